/**
 * The real `tollgate worker` as its own process (the way it runs in production), with its
 * memory sampled from /proc while it works.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { tollgateCommand } from '../helpers/cli-process.js';
import { projectRoot } from '../../src/paths.js';

export interface WorkerProcess {
  pid: number;
  /** Peak and last resident set size (MiB) seen since sampling began. */
  rss(): { peakMiB: number; lastMiB: number; samples: number };
  startSampling(everyMs?: number): void;
  stopSampling(): void;
  stop(): Promise<void>;
}

export async function residentMiB(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts `tollgate --json <args>` (a `worker` command) with `env`; resolves once it polls its
 * task queues. TOLLGATE_BENCH_WORKER_PROFILE=<dir> runs it under `node --cpu-prof` into <dir>.
 */
export async function startWorkerProcess(args: string[], env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const [command, argv] = tollgateCommand(['--json', ...args]);
  const profileDir = process.env.TOLLGATE_BENCH_WORKER_PROFILE;
  if (profileDir) argv.unshift('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  const child: ChildProcess = spawn(command, argv, {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('taskQueues')) resolve();
    });
    void exited.then(() => reject(new Error(`tollgate worker exited before polling: ${stderr}`)));
  });

  let peak = 0;
  let last = 0;
  let samples = 0;
  let timer: NodeJS.Timeout | undefined;
  return {
    pid: child.pid!,
    rss: () => ({ peakMiB: Math.round(peak), lastMiB: Math.round(last), samples }),
    startSampling(everyMs = 250) {
      timer = setInterval(() => {
        void residentMiB(child.pid!).then((mib) => {
          if (mib === undefined) return;
          samples++;
          last = mib;
          peak = Math.max(peak, mib);
        });
      }, everyMs);
    },
    stopSampling() {
      clearInterval(timer);
    },
    async stop() {
      clearInterval(timer);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
