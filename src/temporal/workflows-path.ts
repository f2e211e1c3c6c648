import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A module of this project as the bundler must see it: the TypeScript source under tsx, else dist/. */
export function projectModule(fromHere: string, base: string = import.meta.url): string {
  return [`${fromHere}.ts`, `${fromHere}.js`]
    .map((candidate) => fileURLToPath(new URL(candidate, base)))
    .find((file) => existsSync(file))!;
}

/** The entry module of every Tollgate workflow, bundled into the worker's sandbox. */
export const workflowsPath = projectModule('../../workflows/index');

/**
 * Modules the workflow sandbox evaluates once and shares between workflows (the SDK's
 * `preloadModules`) instead of once per workflow instance. Every promotion, stage lock, archive
 * and replayed history otherwise rebuilt noble's curve constants and, at its first signature
 * check, the precomputed base-point table (~45 ms inside an approval's update validator).
 * The signature module is listed rather than noble itself because noble declares no side
 * effects, so the bundler drops a bare preload of it. None of these modules keeps state of its
 * own beyond caches of pure arithmetic, so sharing them cannot carry one workflow's state into
 * another, and the code that runs is the same: replay is unaffected.
 */
export const sharedWorkflowModules = [projectModule('../approvals/verify')];
