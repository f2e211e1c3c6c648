import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

export interface RunResult {
  code: number | null;
  output: string;
}

/**
 * Runs a build command, printing a heartbeat line every `heartbeatMs` so a person watching a
 * multi-minute first build knows it is alive. Output is captured and returned for error messages.
 */
export function runWithHeartbeat(
  cmd: string,
  args: string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    label: string;
    progress: (line: string) => void;
    heartbeatMs?: number;
  },
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setInterval(
      () => opts.progress(`${opts.label}: still working (${Math.round((Date.now() - started) / 1000)} s)`),
      opts.heartbeatMs ?? 15_000,
    );
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (err) => {
      clearInterval(timer);
      resolve({ code: -1, output: `${output}\n${err.message}` });
    });
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, output });
    });
  });
}

/** Finds an executable on PATH without spawning a shell. */
export async function whichOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this PATH entry
    }
  }
  return undefined;
}
