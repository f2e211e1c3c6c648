import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file that holds package.json. */
export const projectRoot: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error('tollgate: cannot find the project root (no package.json above src/)');
    dir = parent;
  }
  return dir;
})();

/** Where Tollgate keeps provisioned binaries and embedded state; git-ignored. */
export function tollgateHome(): string {
  return process.env.TOLLGATE_HOME ?? path.join(projectRoot, '.tollgate');
}
