/**
 * The workflow code as the sandbox runs it, bundled once per process and path (webpack takes a
 * second or two). Tollgate's own workflows share the modules in `sharedWorkflowModules` between
 * workflow instances; other workflow code (an older checkout's, a bare test fixture) is bundled
 * as it is.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { sharedWorkflowModules, workflowsPath } from './workflows-path.js';

const bundles = new Map<string, Promise<{ code: string }>>();
const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export function workflowBundle(path = workflowsPath): Promise<{ code: string }> {
  let bundle = bundles.get(path);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath: path,
      ...(path === workflowsPath ? { preloadModules: sharedWorkflowModules } : {}),
      logger: silent,
    });
    bundles.set(path, bundle);
  }
  return bundle;
}
