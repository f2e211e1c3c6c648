/**
 * A pool of replay processes. The SDK replays one history at a time on the main thread of the
 * process, so replaying an archive of thousands of histories uses one core however many the
 * machine has; the pool splits the histories over `jobs` processes (replay-process.ts), each
 * with its own replay worker, and gives the outcomes back in the order the histories came.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import protos from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { execArgvFor, projectModule } from '../paths.js';
import type { History } from './history.js';

export interface ReplayItem {
  workflowId: string;
  history: History;
}

/** One history's replay: no error, or why it failed in words. */
export interface ReplayOutcome {
  error?: string;
}

export type PoolRequest =
  | { type: 'init'; bundleFile: string; captureStackTraces: boolean }
  | { type: 'replay'; batch: number; workflowIds: string[]; histories: Uint8Array[] }
  | { type: 'close' };
export type PoolReply =
  | { type: 'ready' }
  | { type: 'done'; batch: number; outcomes: ReplayOutcome[] }
  | { type: 'failed'; error: string };

/** The replay workers' task queue prefix, as the SDK's logs show it. */
export const REPLAY_NAME = 'tollgate-audit';

export function describeReplayError(error: Error): string {
  return error instanceof DeterminismViolationError
    ? `nondeterministic: ${error.message}`
    : `replay failed: ${error.message}`;
}

export interface ReplayPool {
  replay(items: ReplayItem[]): Promise<ReplayOutcome[]>;
  close(): Promise<void>;
}

const childModule = projectModule('./replay-process', import.meta.url);

class ReplayProcess {
  private readonly child: ChildProcess;
  private pending?: { batch: number; resolve(o: ReplayOutcome[]): void; reject(e: Error): void };
  private failure?: Error;
  readonly ready: Promise<void>;

  constructor(bundleFile: string, captureStackTraces: boolean) {
    this.child = fork(childModule, [], {
      execArgv: execArgvFor(childModule),
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (reply: PoolReply) => {
        if (reply.type === 'ready') resolve();
        else if (reply.type === 'failed') this.fail(new Error(`replay process: ${reply.error}`), reject);
        else if (this.pending?.batch === reply.batch) {
          this.pending.resolve(reply.outcomes);
          this.pending = undefined;
        }
      });
      this.child.on('exit', (code, signal) => {
        if (code !== 0 || this.pending)
          this.fail(
            new Error(`replay process exited (${signal ?? `code ${code}`}) before it answered`),
            reject,
          );
      });
    });
    this.child.send({ type: 'init', bundleFile, captureStackTraces } satisfies PoolRequest);
  }

  private fail(error: Error, reject: (e: Error) => void) {
    this.failure ??= error;
    reject(error);
    this.pending?.reject(error);
    this.pending = undefined;
  }

  replay(batch: number, items: ReplayItem[]): Promise<ReplayOutcome[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { batch, resolve, reject };
      this.child.send({
        type: 'replay',
        batch,
        workflowIds: items.map((i) => i.workflowId),
        histories: items.map((i) => protos.temporal.api.history.v1.History.encode(i.history).finish()),
      } satisfies PoolRequest);
    });
  }

  close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.send({ type: 'close' } satisfies PoolRequest);
    });
  }
}

export interface ReplayPoolOptions {
  /**
   * Keep the SDK's per-promise stack capture, which a replay has no use for
   * (replay-stack-traces.ts): the pool then replays exactly as `Worker.runReplayHistories` does
   * out of the box — the audit benchmark's bare baseline. Default false.
   */
  captureStackTraces?: boolean;
}

/** Starts `jobs` replay processes for `bundle` and waits until each has loaded it. */
export async function startReplayPool(
  bundle: { code: string },
  jobs: number,
  opts: ReplayPoolOptions = {},
): Promise<ReplayPool> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-replay-'));
  const bundleFile = path.join(dir, 'workflow-bundle.js');
  await writeFile(bundleFile, bundle.code);
  const processes = Array.from(
    { length: Math.max(1, jobs) },
    () => new ReplayProcess(bundleFile, opts.captureStackTraces ?? false),
  );
  const close = async () => {
    await Promise.all(processes.map((p) => p.close()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(processes.map((p) => p.ready));
  } catch (err) {
    await close();
    throw err;
  }
  let batches = 0;
  return {
    async replay(items) {
      const batch = batches++;
      const size = Math.ceil(items.length / processes.length);
      const parts = await Promise.all(
        processes.map((p, i) => p.replay(batch, items.slice(i * size, (i + 1) * size))),
      );
      return parts.flat();
    },
    close,
  };
}
