import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The entry module of every Tollgate workflow, bundled into the worker's sandbox: the TypeScript
 * source when running from source (tsx), the compiled module when running from dist/.
 */
export const workflowsPath = ['../../workflows/index.ts', '../../workflows/index.js']
  .map((candidate) => fileURLToPath(new URL(candidate, import.meta.url)))
  .find((file) => existsSync(file))!;
