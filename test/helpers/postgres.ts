/**
 * A real PostgreSQL server for tests and benchmarks, from the binaries the project provisions
 * (src/provision/postgres.ts: the system's server or the pinned npm package): its own data
 * directory, port and socket directory, trust authentication on 127.0.0.1 only. initdb refuses
 * to run as root, so when the tests run as root the server runs as the `postgres` user, or as
 * `nobody` on a machine without one.
 *
 *   const postgres = await startPostgres();
 *   after(() => postgres.stop());
 *   const url = await postgres.createDatabase('ledger_suite');
 */
import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { findPostgresBin } from '../../src/provision/postgres.js';

const run = promisify(execFile);

export interface PostgresServer {
  /** Connection string of the default `postgres` database. */
  connectionString: string;
  /** Creates an empty database and returns its connection string. */
  createDatabase(name: string): Promise<string>;
  /**
   * Stops the server (`fast`: clients are disconnected; `immediate`: as after a crash, recovery
   * runs on start), keeps it down for `downMs`, and starts it again on the same port and data.
   */
  restart(opts?: { mode?: 'fast' | 'immediate'; downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port below Linux's ephemeral range (32768–60999): a port from there (listen on 0) was
 * taken by an outgoing connection or another server in the seconds initdb takes, and PostgreSQL
 * then failed with "Address already in use" (the chaos suite, several servers starting at once).
 */
async function freePort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port between 20000 and 31999 for PostgreSQL');
}

async function serverUser(): Promise<{ name: string; uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const ids = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]).catch(() => undefined);
    if (ids) return { name, uid: Number(ids[0].stdout.trim()), gid: Number(ids[1].stdout.trim()) };
  }
  throw new Error(
    'tests run as root, but there is neither a `postgres` nor a `nobody` user to run PostgreSQL as',
  );
}

export async function startPostgres(opts: { bin?: string } = {}): Promise<PostgresServer> {
  const bin = opts.bin ?? (await findPostgresBin());
  const initdb = path.join(bin, 'initdb');
  const pgCtl = path.join(bin, 'pg_ctl');
  const user = await serverUser();
  const asServerUser = (cmd: string, args: string[]) =>
    user ? run('runuser', ['-u', user.name, '--', cmd, ...args]) : run(cmd, args);

  const root = await mkdtemp(path.join(tmpdir(), 'tollgate-pg-'));
  if (user) await chown(root, user.uid, user.gid);
  const data = path.join(root, 'data');
  const logFile = path.join(root, 'server.log');
  let port = await freePort();

  await asServerUser(initdb, [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '--encoding=UTF8',
    '--locale=C',
  ]).catch((err: Error) => {
    const denied = user && /Permission denied/.test(err.message);
    throw new Error(
      denied
        ? `PostgreSQL runs as \`${user.name}\` (tests run as root), who cannot execute ${initdb}: ` +
            `make the folders above it readable by others, or set TOLLGATE_PG_BIN. ${err.message}`
        : err.message,
    );
  });
  const startServer = () =>
    asServerUser(pgCtl, [
      '-D',
      data,
      '-l',
      logFile,
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -k ${root} -c listen_addresses=127.0.0.1`,
      'start',
    ]);
  // Another server started at the same moment can still pick the same port: try another one.
  for (let attempt = 1; ; attempt++) {
    try {
      await startServer();
      break;
    } catch (err) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      if (attempt < 3 && log.includes('Address already in use')) {
        port = await freePort();
        continue;
      }
      await rm(root, { recursive: true, force: true });
      throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${log}`);
    }
  }

  const base = `postgresql://postgres@127.0.0.1:${port}`;
  let stopped = false;
  return {
    connectionString: `${base}/postgres`,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
      return `${base}/${name}`;
    },
    async restart(opts = {}) {
      await asServerUser(pgCtl, ['-D', data, '-m', opts.mode ?? 'fast', '-w', 'stop']);
      await new Promise((resolve) => setTimeout(resolve, opts.downMs ?? 0));
      await startServer();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await asServerUser(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop']);
      await rm(root, { recursive: true, force: true });
    },
  };
}
