/**
 * A real PostgreSQL 15 server for tests and benchmarks, from the Debian binaries: its own data
 * directory, port and socket directory, trust authentication on 127.0.0.1 only. initdb refuses
 * to run as root, so when the tests run as root the server runs as the `postgres` user.
 *
 *   const postgres = await startPostgres();
 *   after(() => postgres.stop());
 *   const url = await postgres.createDatabase('ledger_suite');
 */
import { execFile } from 'node:child_process';
import { access, chown, mkdtemp, rm, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const PG_BIN = process.env.TOLLGATE_PG_BIN ?? '/usr/lib/postgresql/15/bin';

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

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const { stdout } = await run('id', ['-u', 'postgres']).catch(() => {
    throw new Error(
      'tests run as root, but there is no `postgres` user to run PostgreSQL as (apt-get install postgresql-15)',
    );
  });
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(stdout.trim()), gid: Number(gid.trim()) };
}

export async function startPostgres(): Promise<PostgresServer> {
  const initdb = path.join(PG_BIN, 'initdb');
  const pgCtl = path.join(PG_BIN, 'pg_ctl');
  try {
    await access(initdb);
    await access(pgCtl);
  } catch {
    throw new Error(
      `PostgreSQL 15 server binaries not found in ${PG_BIN} (apt-get install postgresql-15, or set TOLLGATE_PG_BIN)`,
    );
  }
  const user = await postgresUser();
  const asServerUser = (cmd: string, args: string[]) =>
    user ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);

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
  ]);
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
