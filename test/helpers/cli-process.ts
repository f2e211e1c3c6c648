/**
 * How tests start the real `tollgate` command: the package's bin entry, which runs the compiled
 * CLI in dist/ (test/run.ts builds it before any test starts) — the program users run.
 */
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';

export const tollgateBin = path.join(projectRoot, 'bin/tollgate.js');

/** `[command, args]` for spawning `tollgate <args>`. */
export function tollgateCommand(args: string[]): [string, string[]] {
  return [process.execPath, [tollgateBin, ...args]];
}
