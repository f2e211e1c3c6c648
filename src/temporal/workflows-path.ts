import { projectModule } from '../paths.js';

/** The entry module of every Tollgate workflow, bundled into the worker's sandbox. */
export const workflowsPath = projectModule('../../workflows/index', import.meta.url);

/**
 * Modules the workflow sandbox evaluates once and shares between workflows (the SDK's
 * `preloadModules`) instead of once per workflow instance. Every promotion, stage lock, archive
 * and replayed history otherwise rebuilt noble's curve constants and, at its first signature
 * check, the precomputed base-point table, inside an approval's update validator.
 * The signature module is listed rather than noble itself because noble declares no side
 * effects, so the bundler drops a bare preload of it. None of these modules keeps state of its
 * own beyond caches of pure arithmetic, so sharing them cannot carry one workflow's state into
 * another, and the code that runs is the same: replay is unaffected.
 */
export const sharedWorkflowModules = [projectModule('../approvals/verify', import.meta.url)];
