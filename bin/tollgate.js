#!/usr/bin/env node
/**
 * The `tollgate` command. Runs the compiled CLI (dist/, made by `npm run build`) when it exists,
 * because compiled JavaScript starts faster; otherwise compiles the TypeScript sources on the fly
 * with tsx, so a fresh checkout works before its first build. The read-only inspection commands
 * run from the esbuild bundle (`npm run build:cli`, dist/cli/) when it is at least as new as
 * the last `tsc` build: loading a few bundled files instead of the SDK's hundreds of modules is most of their
 * cold start. Every other command locates sibling modules by path and runs from dist/src/.
 */
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BUNDLED_COMMANDS = new Set(['status', 'list', 'watch']);
/** Global options that take a value, so the command is the first other word. */
const VALUED = new Set(['-c', '--config', '--address', '--namespace', '--profile', '--as', '--key']);

function commandName(argv) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (VALUED.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

const file = (relative) => fileURLToPath(new URL(relative, import.meta.url));
const compiled = file('../dist/src/cli/main.js');
const bundled = file('../dist/cli/main.js');
// tsc rewrites its build info whenever it emits anything: a bundle older than that is stale.
const buildInfo = file('../dist/.tsbuildinfo');
const mtime = (f) => statSync(f, { throwIfNoEntry: false })?.mtimeMs;

if (process.env.TOLLGATE_FROM_SOURCE || !existsSync(compiled)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
} else if (
  BUNDLED_COMMANDS.has(commandName(process.argv.slice(2))) &&
  (mtime(bundled) ?? 0) >= (mtime(buildInfo) ?? mtime(compiled) ?? Infinity)
) {
  await import(pathToFileURL(bundled).href);
} else {
  await import(pathToFileURL(compiled).href);
}
