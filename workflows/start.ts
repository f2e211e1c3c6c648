/**
 * A promotion started by a signed request: the workflow recomputes the release digest itself
 * and asks the orchestration worker, which reads pipelines, groups and keys from its own
 * config, whether the signer may start it. Nothing in the input decides who is trusted.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { canonicalBytes } from '../src/domain/canonical.js';
import type { OrchestrationActivities } from '../activities/contracts.js';
import { ORCHESTRATION_TASK_QUEUE } from '../src/domain/task-queues.js';
import { RESOLVE_ACTIVITY_OPTIONS } from '../src/domain/activity-options.js';
import type { PromotionStart, RunInput } from './types.js';

/** The release digest approvals bind to: sha256 of the release's RFC 8785 JSON, as the CLI computes it. */
export function releaseDigestOf(release: unknown): string {
  return `sha256:${bytesToHex(sha256(canonicalBytes(release)))}`;
}

/** The resolved input, or why the start is refused (and under which id to record it). */
export async function resolveStart(
  input: PromotionStart,
): Promise<{ input: RunInput } | { refused: string; promotionId: string }> {
  const workflowId = workflowInfo().workflowId;
  const request = input?.request;
  const release = input?.release;
  if (!request?.payload || typeof request.payload !== 'object' || !release || typeof release !== 'object')
    return {
      refused: 'the input is not a signed start request ({ request, release })',
      promotionId: workflowId,
    };
  const promotionId = request.payload.promotionId;
  if (promotionId !== workflowId)
    return {
      refused: `the start request is for promotion ${String(promotionId)}, but this workflow is ${workflowId}`,
      promotionId: workflowId,
    };
  let digest: string;
  try {
    digest = releaseDigestOf(release);
  } catch {
    return { refused: 'the release cannot be canonicalized', promotionId };
  }
  if (digest !== request.payload.releaseDigest)
    return {
      refused: `the start request signs release ${String(request.payload.releaseDigest)}, but the release given hashes to ${digest}`,
      promotionId,
    };
  const { resolvePromotion } = proxyActivities<Pick<OrchestrationActivities, 'resolvePromotion'>>({
    ...RESOLVE_ACTIVITY_OPTIONS,
    taskQueue: input.taskQueue ?? ORCHESTRATION_TASK_QUEUE,
  });
  const resolved = await resolvePromotion({ promotionId, request, releaseDigest: digest });
  if ('refused' in resolved) return { refused: resolved.refused, promotionId };
  return {
    input: {
      promotionId,
      workflowId,
      release,
      releaseDigest: digest,
      pipeline: resolved.pipeline,
      trust: resolved.trust,
      trusted: { start: request, configDigest: resolved.configDigest, requester: resolved.requester },
      ...(input.taskQueue ? { taskQueue: input.taskQueue } : {}),
      ...(input.deployQueuePrefix ? { deployQueuePrefix: input.deployQueuePrefix } : {}),
    },
  };
}
