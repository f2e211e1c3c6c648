/**
 * The embedded Temporal server behind `tollgate dev` and `npm run demo`: the Temporal CLI's dev
 * server with a file-backed SQLite database under Tollgate's home, so promotions survive
 * restarts. Spawned directly (not through TestWorkflowEnvironment.createLocal) because it must
 * keep the well-known ports 7233/8233 that `temporal` and the Web UI expect, and because its
 * stderr tells why it failed (port taken, database locked or corrupted), which we turn into
 * advice instead of a stack trace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rename, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { durationMs } from '../domain/common.js';
import { TOLLGATE_SEARCH_ATTRIBUTES } from '../temporal/search-attributes.js';
import { findTemporalCli } from './temporal-cli.js';
import { tollgateHome } from '../paths.js';

export interface DevServerOptions {
  port?: number;
  uiPort?: number;
  /** SQLite file; default `<home>/dev/temporal.db`. */
  dbFile?: string;
  /** Closed workflows stay visible this long (the dev server's own default is 24h). */
  retention?: string;
  headless?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  dbFile: string;
  stop(): Promise<void>;
  /** Resolves if the server exits on its own (with its last stderr lines). */
  exited: Promise<string>;
}

/** A problem the user can fix (exit 2), with the fix in the message. */
export class DevServerError extends Error {
  override name = 'DevServerError';
}

export function defaultDbFile(): string {
  return path.join(tollgateHome(), 'dev', 'temporal.db');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** `tollgate dev --reset`: moves the database (and its journal files) aside; returns where to. */
export async function resetDevDatabase(dbFile = defaultDbFile()): Promise<string | undefined> {
  const exists = await stat(dbFile).then(
    () => true,
    () => false,
  );
  if (!exists) return undefined;
  const aside = `${dbFile}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`;
  await rename(dbFile, aside);
  for (const suffix of ['-wal', '-shm', '-journal'])
    await rename(`${dbFile}${suffix}`, `${aside}${suffix}`).catch(() => undefined);
  return aside;
}

function diagnose(stderr: string, dbFile: string): string {
  const hint = `; if the database at ${dbFile} is damaged, move it aside with \`tollgate dev --reset\` (promotions kept in it are then no longer shown)`;
  if (/database is locked|SQLITE_BUSY/i.test(stderr))
    return `the dev server's database is locked by another process${hint}`;
  if (/malformed|not a database|SQLITE_CORRUPT|file is encrypted/i.test(stderr))
    return `the dev server's database is corrupted${hint}`;
  if (/address already in use/i.test(stderr))
    return 'a port the dev server needs is already in use (change it with --port / --ui-port)';
  const last = stderr.trim().split('\n').slice(-3).join(' | ');
  return `the Temporal dev server exited: ${last || 'no output'}${hint}`;
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const port = opts.port ?? 7233;
  const uiPort = opts.uiPort ?? port + 1000;
  const dbFile = opts.dbFile ?? defaultDbFile();
  if (!(await portFree(port)))
    throw new DevServerError(
      `port ${port} is already in use (another \`tollgate dev\` or \`temporal server start-dev\`?): stop it, or choose another with --port`,
    );
  if (!opts.headless && !(await portFree(uiPort)))
    throw new DevServerError(
      `Web UI port ${uiPort} is already in use: choose another with --ui-port, or --headless`,
    );
  await mkdir(path.dirname(dbFile), { recursive: true });
  const executable = await findTemporalCli();
  if (executable.type !== 'existing-path')
    throw new DevServerError(
      'no Temporal CLI found: set TEMPORAL_CLI_PATH or install `temporal` (see README)',
    );

  const args = [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--log-level',
    'error',
    ...TOLLGATE_SEARCH_ATTRIBUTES.flatMap((sa) => ['--search-attribute', `${sa.name}=Keyword`]),
    ...(opts.headless ? ['--headless'] : ['--ui-port', String(uiPort)]),
  ];
  const child: ChildProcess = spawn(executable.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  const exited = new Promise<string>((resolve) =>
    child.once('exit', () => resolve(diagnose(stderr, dbFile))),
  );
  const address = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!done) child.kill('SIGKILL');
  };

  let connection: Connection | undefined;
  const deadline = Date.now() + 60_000;
  while (!connection) {
    const early = await Promise.race([exited, sleep(250).then(() => undefined)]);
    if (early !== undefined) throw new DevServerError(early);
    try {
      connection = await Connection.connect({ address, connectTimeout: '1s' });
      await connection.workflowService.getSystemInfo({});
    } catch {
      await connection?.close();
      connection = undefined;
      if (Date.now() > deadline) {
        await stop();
        throw new DevServerError(`the Temporal dev server did not answer on ${address} within 60 s`);
      }
    }
  }
  try {
    await connection.workflowService.updateNamespace({
      namespace: 'default',
      config: { workflowExecutionRetentionTtl: msToTs(durationMs(opts.retention ?? '30d')) },
    });
  } finally {
    await connection.close();
  }
  return { address, ...(opts.headless ? {} : { uiUrl: `http://localhost:${uiPort}` }), dbFile, stop, exited };
}
