#!/usr/bin/env node
/**
 * The `tollgate` command. Runs the compiled CLI (dist/, made by `npm run build`) when it exists,
 * because compiled JavaScript starts faster; otherwise compiles the TypeScript sources on the fly
 * with tsx, so a fresh checkout works before its first build.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (existsSync(compiled) && !process.env.TOLLGATE_FROM_SOURCE) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
