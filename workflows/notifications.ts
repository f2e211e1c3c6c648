/**
 * Chat notifications of a promotion: sent beside the process, never waited for until the end,
 * and never able to fail it (chat being down must not block a release).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { NotifyRequest, OrchestrationActivities } from '../activities/contracts.js';
import { NOTIFY_ACTIVITY_OPTIONS } from '../src/domain/activity-options.js';
import type { RunInput, StageState } from './types.js';

export class Notifications {
  private readonly sent: Promise<void>[] = [];
  private readonly notifier: Pick<OrchestrationActivities, 'notify'>;

  constructor(taskQueue: string) {
    this.notifier = proxyActivities<Pick<OrchestrationActivities, 'notify'>>({
      ...NOTIFY_ACTIVITY_OPTIONS,
      taskQueue,
    });
  }

  send(request: NotifyRequest): void {
    this.sent.push(this.notifier.notify(request).catch(() => undefined));
  }

  /** Waits for every notification sent so far (at the end of the promotion). */
  async flush(): Promise<void> {
    await Promise.all(this.sent);
  }
}

/** What a notification says: the release, the stage's policy result and canary verdicts. */
export function notification(
  about: { input: RunInput; requester: string; policyResultHash: string | undefined },
  event: NotifyRequest['event'],
  stage: StageState | undefined,
  summary: string,
): NotifyRequest {
  const { input, requester, policyResultHash } = about;
  return {
    promotionId: input.promotionId,
    event,
    app: input.release.app,
    version: input.release.version,
    ...(stage ? { stage: stage.name } : {}),
    releaseDigest: input.releaseDigest,
    requester,
    ...(policyResultHash ? { policyResultHash } : {}),
    summary,
    ...(stage?.policy
      ? { policy: { passed: stage.policy.passed, failedRules: stage.policy.failedRules } }
      : {}),
    ...(stage?.canary
      ? { canary: { verdicts: stage.canary.analyses.map((a) => a.verdict), step: stage.canary.step } }
      : {}),
  };
}
