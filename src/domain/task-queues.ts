/**
 * Task queue names, built here only. The orchestration worker serves `tollgate`; each stage's
 * worker serves `tollgate-deploy-<stage>` with that stage's target credentials, so a deploy can
 * only run where the stage's worker runs.
 */

/** Workflows and orchestration activities (policy, evidence, notifications, coordination). */
export const ORCHESTRATION_TASK_QUEUE = 'tollgate';

/** What precedes the stage name in a deploy queue's name; tests run their own prefix. */
export const DEPLOY_QUEUE_PREFIX = 'tollgate-deploy-';

/** The deploy queue of `stage`: where its deploy, traffic and rollback activities run. */
export function deployTaskQueue(stage: string, prefix: string = DEPLOY_QUEUE_PREFIX): string {
  return `${prefix}${stage}`;
}
