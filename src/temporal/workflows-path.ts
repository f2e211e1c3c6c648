import { fileURLToPath } from 'node:url';

/** The entry module of every Tollgate workflow, bundled into the worker's sandbox. */
export const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));
