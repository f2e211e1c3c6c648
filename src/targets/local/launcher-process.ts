/**
 * The launcher's own process (see launcher.ts): a small Node process that starts app versions
 * for the worker, so the fork behind each start copies this process's few megabytes instead of
 * the worker's hundreds. It imports nothing but Node's own modules to stay small.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { LaunchReply, LaunchRequest } from './launcher.js';

function send(reply: LaunchReply): void {
  process.send?.(reply);
}

process.on('message', (req: LaunchRequest) => {
  let log: number;
  try {
    log = openSync(req.logFile, 'a');
  } catch (err) {
    send({ type: 'failed', id: req.id, error: `cannot open its log: ${(err as Error).message}` });
    return;
  }
  // Output goes to a file, not a pipe: the process must outlive this launcher and the worker.
  const child = spawn(req.command, req.args, { stdio: ['ignore', log, log], env: req.env });
  let settled = false;
  const settle = (reply: LaunchReply) => {
    if (settled) return;
    settled = true;
    closeSync(log);
    send(reply);
  };
  child.once('spawn', () => settle({ type: 'started', id: req.id, pid: child.pid! }));
  child.once('error', (err) => settle({ type: 'failed', id: req.id, error: err.message }));
  child.once('exit', (code, signal) => send({ type: 'exit', pid: child.pid!, code, signal }));
});

// The worker decides when apps stop; a Ctrl-C in its terminal reaches this process too, and it
// must go on reporting exits while the worker stops its apps.
process.on('SIGINT', () => {});
// The worker closed the channel or died: the apps keep running for the next worker to adopt.
process.once('disconnect', () => process.exit(0));
