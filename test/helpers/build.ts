import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../src/server/paths.js';

/** Compiles first so the CLI subprocesses run today's code, never a stale dist/; exits on errors. */
export function buildOrExit(runner: string): void {
  const build = spawnSync(
    process.execPath,
    [path.join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
    { cwd: projectRoot, stdio: 'inherit' },
  );
  if (build.status !== 0) {
    process.stderr.write(`${runner}: the TypeScript build failed; fix the errors above first\n`);
    process.exit(1);
  }
}
