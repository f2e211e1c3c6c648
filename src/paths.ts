import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

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

/**
 * A module of this project as it runs here: the TypeScript source (under tsx) when there is
 * one next to `base`, else the compiled JavaScript in dist/. `fromHere` is relative to `base`.
 */
export function projectModule(fromHere: string, base: string): string {
  return [`${fromHere}.ts`, `${fromHere}.js`]
    .map((candidate) => fileURLToPath(new URL(candidate, base)))
    .find((file) => existsSync(file))!;
}

/**
 * Node options for a child process or worker thread running `module`: this process's own, plus
 * tsx when the module is TypeScript and tsx was loaded through its API rather than --import.
 */
export function execArgvFor(module: string): string[] {
  const argv = [...process.execArgv];
  const hasTsx = argv.some((a) => a === 'tsx' || a.endsWith('=tsx') || a.includes('/tsx/'));
  if (module.endsWith('.ts') && !hasTsx) argv.push('--import', 'tsx');
  return argv;
}

/**
 * A worker thread running `module`. Node 20 does not apply tsx's loader to worker threads, so
 * a TypeScript module is reached through a small bootstrap that registers tsx first.
 */
export function projectThread(module: string): Worker {
  if (!module.endsWith('.ts')) return new Worker(module);
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(pathToFileURL(module).href)}); });`;
  return new Worker(bootstrap, { eval: true });
}
