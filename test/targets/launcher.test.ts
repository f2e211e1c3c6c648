/**
 * The local target starts app versions through a small launcher process, so a big worker's
 * event loop does not wait for a fork of itself at every start (src/targets/local/launcher.ts).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { launcher, type LaunchedProcess } from '../../src/targets/local/launcher.js';
import { tempDir } from './sample-app.js';

const started: LaunchedProcess[] = [];
after(() => {
  for (const proc of started) signal(proc.pid, 'SIGKILL');
});

function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

async function parentOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^PPid:\s+(\d+)/m.exec(status)![1]);
}

async function start(logFile: string, script: string): Promise<LaunchedProcess> {
  const proc = await launcher.start({
    command: process.execPath,
    args: ['-e', script],
    env: { ...process.env, GREETING: 'hello from the launcher' },
    logFile,
  });
  started.push(proc);
  return proc;
}

const until = async (what: string, done: () => boolean | Promise<boolean>) => {
  const deadline = Date.now() + 10_000;
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

void test('a started process is a child of the launcher, not of this process; its output and exit reach us', async () => {
  const log = path.join(await tempDir(), 'app.log');
  const proc = await start(log, 'console.log(process.env.GREETING); setInterval(() => {}, 1000)');
  const launcherPid = await parentOf(proc.pid);
  assert.notEqual(launcherPid, process.pid, 'forked from the launcher');
  assert.equal(await parentOf(launcherPid), process.pid, 'the launcher is our child');
  await until('the output is in the log', async () =>
    (await readFile(log, 'utf8').catch(() => '')).includes('hello from the launcher'),
  );
  assert.equal(proc.exit, undefined);
  signal(proc.pid, 'SIGTERM');
  await until('the exit is reported', () => proc.exit !== undefined);
  assert.deepEqual(proc.exit, { code: null, signal: 'SIGTERM' });
});

void test('a command that does not exist is refused with the reason', async () => {
  await assert.rejects(
    launcher.start({
      command: '/nonexistent/app',
      args: [],
      env: process.env,
      logFile: path.join(await tempDir(), 'missing.log'),
    }),
    /ENOENT/,
  );
});

void test('if the launcher dies, its processes run on, unwatched, and the next start forks a new launcher', async () => {
  const dir = await tempDir();
  const proc = await start(path.join(dir, 'a.log'), 'setInterval(() => {}, 1000)');
  const first = await parentOf(proc.pid);
  signal(first, 'SIGKILL');
  await until('the launcher is known to be gone', () => !proc.watched);
  assert.ok(signal(proc.pid, 0), 'the app outlives its launcher');
  assert.equal(proc.exit, undefined);

  const next = await start(path.join(dir, 'b.log'), 'setInterval(() => {}, 1000)');
  const second = await parentOf(next.pid);
  assert.notEqual(second, first);
  assert.equal(await parentOf(second), process.pid);
  assert.ok(next.watched);
});
