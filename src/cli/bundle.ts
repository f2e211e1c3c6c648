/**
 * `npm run build:cli`: bundles the CLI with esbuild into dist/cli/ (one ES module per command
 * group, shared chunks split out), so a command loads a handful of files instead of resolving
 * and reading the ~400 modules of the Temporal SDK, gRPC and protobuf one by one. bin/tollgate.js
 * runs the bundle for the read-only inspection commands (BUNDLED_COMMANDS); every other command
 * runs from dist/src/, because workers, replays and the local target find their sibling modules
 * (workflow code, child processes, threads) by path next to their own file.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from '../paths.js';
import { prunedJsonModule } from './pruned-protos.js';

const BUNDLE_DIR = path.join(projectRoot, 'dist', 'cli');

await rm(BUNDLE_DIR, { recursive: true, force: true });
await build({
  entryPoints: [path.join(projectRoot, 'src/cli/main.ts')],
  outdir: BUNDLE_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  // Never reached by the bundled commands; the worker bundles workflow code with webpack.
  external: ['@temporalio/worker', '@temporalio/testing', '@swc/*', 'pg-native'],
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: {
    js: "import { createRequire as __tgRequire } from 'node:module'; const require = __tgRequire(import.meta.url);",
  },
  plugins: [
    {
      name: 'pruned-temporal-protos',
      setup(b) {
        b.onLoad({ filter: /@temporalio[\\/]proto[\\/]protos[\\/]json-module\.js$/ }, () => ({
          contents: prunedJsonModule(),
          loader: 'js',
        }));
      },
    },
  ],
  logLevel: 'warning',
});
process.stdout.write(`bundled the CLI into ${path.relative(process.cwd(), BUNDLE_DIR)}/\n`);
