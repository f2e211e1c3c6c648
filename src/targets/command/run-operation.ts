import { spawn } from 'node:child_process';

/** Captured output kept per stream: enough to explain a failure, small enough for the evidence ledger. */
const MAX_CAPTURE = 64 * 1024;
const KILL_GRACE_MS = 5_000;
/** What any CLI needs to run at all; everything else must be listed in the target's `env`. */
const BASE_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ'];

export interface OperationOutput {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one operation's command without a shell. Secrets reach it only through the environment
 * variables named in `passEnv`; their values are masked in the captured output in case the tool
 * echoes them. On timeout the whole process group gets SIGTERM, then SIGKILL.
 */
export async function runOperation(
  argv: string[],
  opts: { timeoutMs: number; passEnv: string[] },
): Promise<OperationOutput> {
  const env: NodeJS.ProcessEnv = {};
  for (const name of [...BASE_ENV, ...opts.passEnv])
    if (process.env[name] !== undefined) env[name] = process.env[name];
  const secrets = opts.passEnv
    .map((name) => process.env[name])
    .filter((v): v is string => v !== undefined && v.length >= 4)
    .sort((a, b) => b.length - a.length);
  const mask = (text: string) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);

  const started = performance.now();
  const [command, ...args] = argv;
  const child = spawn(command!, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const capture = (stream: NodeJS.ReadableStream) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      if (text.length < MAX_CAPTURE) text += chunk;
    });
    return () => mask(text.length > MAX_CAPTURE ? `${text.slice(0, MAX_CAPTURE)}\n[output truncated]` : text);
  };
  const stdout = capture(child.stdout);
  const stderr = capture(child.stderr);

  let timedOut = false;
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup('SIGTERM');
    setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref();
  }, opts.timeoutMs);

  const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error>(
    (resolve) => {
      child.once('error', resolve);
      child.once('close', (code, signal) => resolve({ code, signal }));
    },
  );
  clearTimeout(timer);
  if (outcome instanceof Error) throw outcome;
  return {
    exitCode: outcome.code,
    signal: outcome.signal,
    timedOut,
    durationMs: Math.round(performance.now() - started),
    stdout: stdout(),
    stderr: stderr(),
  };
}
