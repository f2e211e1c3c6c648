import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';

/**
 * Compiles first so the CLI subprocesses run today's code, never a stale dist/, then bundles the
 * CLI (dist/cli/, what bin/tollgate.js runs for the inspection commands); exits on errors.
 */
export function buildOrExit(runner: string): void {
  const steps: [string, string[]][] = [
    [
      'the TypeScript build',
      [path.join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
    ],
    ['the CLI bundle', ['--import', 'tsx', path.join(projectRoot, 'src/cli/bundle.ts')]],
  ];
  for (const [what, args] of steps) {
    const run = spawnSync(process.execPath, args, {
      cwd: projectRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (run.status !== 0) {
      process.stderr.write(`${runner}: ${what} failed; fix the errors above first\n`);
      process.exit(1);
    }
  }
}
