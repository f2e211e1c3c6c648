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

export function workflowBundle(
  path = workflowsPath,
  /** Workflow interceptor modules bundled with the code (tests that disturb a workflow on purpose). */
  interceptorModules: string[] = [],
): Promise<{ code: string }> {
  const key = [path, ...interceptorModules].join('\0');
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath: path,
      ...(path === workflowsPath ? { preloadModules: sharedWorkflowModules } : {}),
      ...(interceptorModules.length > 0 ? { workflowInterceptorModules: interceptorModules } : {}),
      logger: silent,
    });
    bundles.set(key, bundle);
  }
  return bundle;
}
