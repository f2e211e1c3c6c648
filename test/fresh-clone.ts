/**
 * `npm run check:fresh-clone`: clones the committed repository into an empty directory and runs
 * README's quick-start commands there exactly as written, timing each. The figures go to
 * BENCHMARKS.md. Package caches (npm, pip, Maven) are the machine's: a machine that has never
 * fetched them pays their download once more. `--demo-only` stops after the first command.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../src/paths.js';
import type { FreshCloneRun } from './bench/report.js';

/** The shell commands of README's quick-start block, comments removed. */
export function quickStartCommands(readme: string): string[] {
  const section = readme.split(/^## Quick start\s*$/m)[1];
  const block = section?.match(/```sh\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error('README.md has no ```sh block under "## Quick start"');
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

function runShell(command: string, cwd: string): Promise<{ code: number | null; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const env = { ...process.env };
    for (const name of [
      'TEMPORAL_CLI_PATH',
      'TEMPORAL_TEST_SERVER_PATH',
      'TOLLGATE_PG_BIN',
      'PROMETHEUS_BIN',
      'TOLLGATE_HOME',
    ])
      delete env[name];
    const child = spawn('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code) => resolve({ code, seconds: Math.round((Date.now() - started) / 100) / 10 }));
  });
}

const demoOnly = process.argv.includes('--demo-only');
const commands = quickStartCommands(await readFile(path.join(projectRoot, 'README.md'), 'utf8'));
const work = await mkdtemp(path.join(tmpdir(), 'tollgate-fresh-'));
const clone = path.join(work, 'tollgate');
const results: FreshCloneRun['results'] = [];
try {
  const cloned = await runShell(
    `git clone --quiet --no-hardlinks ${JSON.stringify(projectRoot)} ${JSON.stringify(clone)}`,
    work,
  );
  if (cloned.code !== 0) throw new Error('git clone failed');
  for (const command of demoOnly ? commands.slice(0, 1) : commands) {
    process.stdout.write(`\n$ ${command}\n`);
    const { code, seconds } = await runShell(command, clone);
    results.push({ command, seconds, exitCode: code });
    if (code !== 0) break;
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
process.stdout.write('\ncommand | seconds | exit\n---|---|---\n');
for (const r of results) process.stdout.write(`${r.command} | ${r.seconds} | ${r.exitCode}\n`);
const out = path.join(projectRoot, 'test', 'bench', 'results', 'fresh-clone.json');
await mkdir(path.dirname(out), { recursive: true });
const run: FreshCloneRun = { at: new Date().toISOString(), results };
await writeFile(out, JSON.stringify(run, null, 2));
process.exit(results.every((r) => r.exitCode === 0) && results.length > 0 ? 0 : 1);
