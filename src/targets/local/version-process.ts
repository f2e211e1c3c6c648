import { mkdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../../logging/logger.js';
import { TargetError } from '../target.js';
import { launcher, type LaunchedProcess } from './launcher.js';

export interface ProcessRecord {
  version: string;
  port: number;
  pid: number;
}

/**
 * One running version of an app: a process listening on a loopback port. Either started here
 * through the launcher (its exit is reported at once) or adopted from an earlier worker that died and left it running
 * (its liveness is checked by pid and health probe).
 */
export class VersionProcess {
  private stopping = false;

  private constructor(
    readonly record: ProcessRecord,
    /** Set when this worker started it; its launcher reports its exit. */
    private readonly launched: LaunchedProcess | undefined,
    private readonly healthUrl: string,
    private readonly logFile: string | undefined,
  ) {}

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
    let launched: LaunchedProcess;
    try {
      launched = await launcher.start({
        command: command!,
        args,
        env: { ...process.env, PORT: String(port), APP: opts.app, VERSION: opts.version },
        logFile,
      });
    } catch (err) {
      if (err instanceof TargetError) throw err;
      throw new TargetError(
        `cannot start ${opts.app} ${opts.version}: ${(err as Error).message} (check the local target's command)`,
        false,
      );
    }
    const proc = new VersionProcess(
      { version: opts.version, port, pid: launched.pid },
      launched,
      `http://127.0.0.1:${port}${opts.healthPath}`,
      logFile,
    );
    launched.onExit(({ code, signal }) => {
      const fields = { app: opts.app, version: opts.version, pid: launched.pid, code, signal };
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
    if (this.launched?.exit) return false;
    if (this.launched?.watched) return true;
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
      const exit = this.launched?.exit;
      if (exit) {
        throw new TargetError(
          `${label} exited (code ${exit.code}, signal ${exit.signal}) before answering ${this.healthUrl}; its output:\n${await this.logTail()}`,
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
