/**
 * Starts the local target's app versions from a small helper process instead of the worker.
 *
 * Node starts a child with fork + exec on Linux, and the fork copies the page tables of the
 * whole parent while the parent's event loop waits: the bigger the worker, the longer each start
 * blocks it, and a promotion starts three versions (figures in BENCHMARKS.md, throughput). The launcher is forked at the first start (so one fork of the worker,
 * usually while it is still small) and reports each started process's pid and exit. Stopping
 * needs no launcher: it is a signal to the pid. If the launcher dies, the processes it started
 * run on and are watched by pid alone; the next start forks a new launcher.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { execArgvFor, projectModule } from '../../paths.js';
import { TargetError } from '../target.js';

export interface LaunchRequest {
  id: number;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Both output streams are appended here. */
  logFile: string;
}

export type LaunchReply =
  | { type: 'started'; id: number; pid: number }
  | { type: 'failed'; id: number; error: string }
  | { type: 'exit'; pid: number; code: number | null; signal: NodeJS.Signals | null };

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A process the launcher started. */
export class LaunchedProcess {
  /** How it ended, once the launcher has reported it. */
  exit: ProcessExit | undefined;
  /** False once its launcher is gone: its end can then only be seen by its pid. */
  watched = true;
  private readonly listeners: ((exit: ProcessExit) => void)[] = [];

  constructor(readonly pid: number) {}

  onExit(listener: (exit: ProcessExit) => void): void {
    this.listeners.push(listener);
  }

  ended(exit: ProcessExit): void {
    this.exit = exit;
    for (const listener of this.listeners) listener(exit);
  }
}

const launcherModule = projectModule('./launcher-process', import.meta.url);

class Launcher {
  private child: ChildProcess | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(p: LaunchedProcess): void; reject(e: Error): void }>();
  private readonly running = new Map<number, LaunchedProcess>();

  /** Starts `command`; resolves once it runs (Node's 'spawn'), rejects if it cannot start. */
  start(req: Omit<LaunchRequest, 'id'>): Promise<LaunchedProcess> {
    const child = this.child ?? this.connect();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // An answer is awaited: keep this process alive for it (a one-shot CLI has nothing else).
      if (this.pending.size === 1) child.channel?.ref();
      child.send({ ...req, id } satisfies LaunchRequest);
    });
  }

  private connect(): ChildProcess {
    // The worker's own Node options, without a profiler or debugger the launcher has no use for.
    const execArgv = execArgvFor(launcherModule).filter(
      (a) => !a.startsWith('--cpu-prof') && !a.startsWith('--inspect') && !a.startsWith('--heap-prof'),
    );
    const child = fork(launcherModule, [], { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.on('message', (reply: LaunchReply) => this.receive(reply));
    child.once('exit', (code, signal) => this.lost(child, signal ?? `code ${code}`));
    // A send after the launcher died lands here rather than as an uncaught 'error' event.
    child.on('error', (err) => this.lost(child, err.message));
    // The launcher never keeps the worker alive; the worker's exit closes the channel and it.
    child.unref();
    child.channel?.unref();
    this.child = child;
    return child;
  }

  private receive(reply: LaunchReply): void {
    if (reply.type === 'exit') {
      const proc = this.running.get(reply.pid);
      this.running.delete(reply.pid);
      proc?.ended({ code: reply.code, signal: reply.signal });
      return;
    }
    const waiter = this.pending.get(reply.id);
    this.settled(reply.id);
    if (!waiter) return;
    if (reply.type === 'failed') {
      waiter.reject(new Error(reply.error));
      return;
    }
    const proc = new LaunchedProcess(reply.pid);
    this.running.set(reply.pid, proc);
    waiter.resolve(proc);
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.child?.channel?.unref();
  }

  private lost(child: ChildProcess, how: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    for (const proc of this.running.values()) proc.watched = false;
    this.running.clear();
    const error = new TargetError(
      `the local target's launcher process exited (${how}) before it answered; the start is retried`,
      true,
    );
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

/** One launcher per worker process, shared by its local targets. */
export const launcher = new Launcher();
