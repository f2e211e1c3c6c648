/**
 * The notify activity: posts a promotion's news to the configured chat webhooks. Chat being
 * down must never block or fail a promotion, so every delivery is retried a few times with
 * backoff inside the activity, and a delivery that still fails is logged and let go.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../src/logging/logger.js';
import type { NotifyTarget } from '../src/chat/config.js';
import { genericMessage, slackMessage } from '../src/chat/notifications.js';
import { webhookSignature } from '../src/chat/signatures.js';
import type { NotifyRequest, OrchestrationActivities } from './contracts.js';

export interface DeliveryRetry {
  attempts: number;
  /** Delay before the second attempt; doubles after each failure. */
  initialDelayMs: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
}

const DEFAULT_RETRY: DeliveryRetry = { attempts: 4, initialDelayMs: 500, timeoutMs: 5_000 };

export function createNotifyActivities(deps: {
  webhooks: NotifyTarget[];
  logger: Logger;
  fetchImpl?: typeof fetch;
  retry?: Partial<DeliveryRetry>;
}): Pick<OrchestrationActivities, 'notify'> {
  const fetchImpl = deps.fetchImpl ?? fetch;
  const retry = { ...DEFAULT_RETRY, ...deps.retry };

  async function deliver(target: NotifyTarget, req: NotifyRequest): Promise<void> {
    const body = JSON.stringify(target.format === 'slack' ? slackMessage(req) : genericMessage(req));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'tollgate-notify',
    };
    if (target.secret) headers['x-tollgate-signature'] = webhookSignature(target.secret, body);
    let lastProblem = '';
    for (let attempt = 1; attempt <= retry.attempts; attempt++) {
      if (attempt > 1) await sleep(retry.initialDelayMs * 2 ** (attempt - 2));
      try {
        const res = await fetchImpl(target.url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(retry.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return;
        lastProblem = `HTTP ${res.status}`;
        // A 4xx other than 408/429 will not get better by asking again (bad URL, revoked webhook).
        if (res.status < 500 && res.status !== 408 && res.status !== 429) break;
      } catch (err) {
        const code =
          err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined)?.code : undefined;
        lastProblem = err instanceof Error ? `${err.name}${code ? ` (${code})` : ''}` : 'network error';
      }
    }
    // Log the target's name, never its URL: a Slack webhook URL is a credential.
    deps.logger.warn(
      { target: target.name, event: req.event, promotionId: req.promotionId, problem: lastProblem },
      'notification could not be delivered; the promotion goes on',
    );
  }

  return {
    async notify(req) {
      const targets = deps.webhooks.filter((t) => !t.events || t.events.includes(req.event));
      await Promise.all(targets.map((t) => deliver(t, req)));
    },
  };
}
