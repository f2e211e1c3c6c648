import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../../logging/logger.js';
import { TargetError } from '../target.js';

export interface ProcessRecord {
  version: string;
  port: number;
  pid: number;
}

/**
 * One running version of an app: a process listening on a loopback port. Either started here
 * (its exit is noticed at once) or adopted from an earlier worker that died and left it running
 * (its liveness is checked by pid and health probe).
 */
export class VersionProcess {
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private stopping = false;

  private constructor(
    readonly record: ProcessRecord,
    private readonly child: ChildProcess | undefined,
    private readonly healthUrl: string,
    private readonly logFile: string | undefined,
  ) {
    child?.once('exit', (code, signal) => {
      this.exit = { code, signal };
    });
  }

  static async start(opts: {
    app: string;
    version: string;
    argv: (port: number) => string[];
    healthPath: string;
    logDir: string;
    startTimeoutMs: number;
    logger: Logger;
  }): Promise<VersionProcess> {
    const port = await freePort();
    const [command, ...args] = opts.argv(port);
    await mkdir(opts.logDir, { recursive: true });
    const logFile = path.join(opts.logDir, `${opts.app}-${opts.version}-${port}.log`);
    // Output goes to a file, not a pipe: the process must survive its worker dying.
    const log = await open(logFile, 'a');
    const child = spawn(command!, args, {
      stdio: ['ignore', log.fd, log.fd],
      env: { ...process.env, PORT: String(port), APP: opts.app, VERSION: opts.version },
    });
    const spawned = new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', resolve);
    });
    await log.close();
    const failure = await spawned;
    if (failure) {
      throw new TargetError(
        `cannot start ${opts.app} ${opts.version}: ${failure.message} (check the local target's command)`,
        false,
      );
    }
    const proc = new VersionProcess(
      { version: opts.version, port, pid: child.pid! },
      child,
      `http://127.0.0.1:${port}${opts.healthPath}`,
      logFile,
    );
    child.once('exit', (code, signal) => {
      const fields = { app: opts.app, version: opts.version, pid: child.pid, code, signal };
      if (proc.stopping) opts.logger.debug(fields, 'version process stopped');
      else opts.logger.warn(fields, 'version process died');
    });
    await proc.waitHealthy(opts.startTimeoutMs, `${opts.app} ${opts.version}`);
    return proc;
  }

  /** Takes over a process an earlier worker started, if it still runs and answers its health probe. */
  static async adopt(record: ProcessRecord, healthPath: string): Promise<VersionProcess | undefined> {
    const proc = new VersionProcess(
      record,
      undefined,
      `http://127.0.0.1:${record.port}${healthPath}`,
      undefined,
    );
    return (await proc.healthy()) ? proc : undefined;
  }

  alive(): boolean {
    if (this.child) return this.exit === undefined;
    return pidAlive(this.record.pid);
  }

  async healthy(): Promise<boolean> {
    if (!this.alive()) return false;
    try {
      const res = await fetch(this.healthUrl, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }

  async stop(graceMs = 5_000): Promise<void> {
    if (!this.alive()) return;
    this.stopping = true;
    const { pid } = this.record;
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (this.alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (this.alive()) signal(pid, 'SIGKILL');
    while (this.alive()) await new Promise((r) => setTimeout(r, 10));
  }

  private async waitHealthy(timeoutMs: number, label: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exit) {
        throw new TargetError(
          `${label} exited (code ${this.exit.code}, signal ${this.exit.signal}) before answering ${this.healthUrl}; its output:\n${await this.logTail()}`,
          false,
        );
      }
      if (await this.healthy()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.stop();
    throw new TargetError(
      `${label} did not answer ${this.healthUrl} within ${timeoutMs} ms; its output:\n${await this.logTail()}`,
      false,
    );
  }

  private async logTail(): Promise<string> {
    if (!this.logFile) return '';
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.split('\n').slice(-20).join('\n');
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** A port nobody listens on right now; the app binds it a moment later. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
