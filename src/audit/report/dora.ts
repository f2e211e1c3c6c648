/**
 * DORA's five software delivery metrics for one stage over a period, counted from evidence:
 *
 * - deployments: `deploy.completed` records at the stage whose time falls in the period;
 *   frequency is their number per day of the period;
 * - lead time: from the request (`promotion.started`) to that deploy;
 * - change failure rate: deployments that were rolled back at the stage (by their promotion's
 *   canary, or by an operator's rollback of the app there before its next deploy);
 * - time to restore: from a failed deployment to the rollback that restored the stage;
 * - rework rate: deployments made right after a failed one of the same app at the stage, i.e.
 *   unplanned work to fix what failed (DORA's 2024 fifth metric).
 */
import type { AnyRecord } from './evidence.js';
import { str } from './evidence.js';

export interface DoraDeployment {
  promotionId: string;
  app: string;
  version?: string;
  deployedAt: string;
  requestedAt: string;
  failed: boolean;
  restoredAt?: string;
  rework: boolean;
}

export interface DoraMetrics {
  stage: string;
  days: number;
  deployments: number;
  deploymentsPerDay: number;
  leadTimeMedianSeconds: number | null;
  changeFailureRate: number | null;
  failedDeployments: number;
  timeToRestoreMedianSeconds: number | null;
  restored: number;
  reworkRate: number | null;
  reworkDeployments: number;
  /** Every counted deployment, so each figure can be checked by hand. */
  list: DoraDeployment[];
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Change {
  chainId: string;
  app: string;
  version?: string;
  requestedAt: string;
  deployedAt: string;
  /** The rollback of this deploy within its own promotion, if any. */
  rolledBackAt?: string;
}

/**
 * @param chains every chain of the ledger (promotions and operator rollbacks), read in full:
 *   a failure or rework is judged against deploys before and after the period too.
 */
export function doraMetrics(
  chains: readonly AnyRecord[][],
  stage: string,
  period: { since: string; until: string },
): DoraMetrics {
  const changes: Change[] = [];
  const operatorRollbacks: { app: string; at: string }[] = [];
  for (const records of chains) {
    const first = records[0];
    if (!first) continue;
    if (first.type === 'rollback.requested') {
      const done = records.find((r) => r.type === 'rollback.completed');
      const app = str(first.data.app);
      if (done && app && str(first.data.stage) === stage) operatorRollbacks.push({ app, at: done.time });
      continue;
    }
    const started = records.find((r) => r.type === 'promotion.started');
    const app = str((started?.data.release as Record<string, unknown> | undefined)?.app);
    const deploy = records.find((r) => r.type === 'deploy.completed' && r.stage === stage);
    if (!started || !app || !deploy) continue;
    const rollback = records.find(
      (r) => r.type === 'rollback.completed' && r.stage === stage && r.seq > deploy.seq,
    );
    changes.push({
      chainId: first.chainId,
      app,
      version: str(deploy.data.version),
      requestedAt: started.time,
      deployedAt: deploy.time,
      ...(rollback ? { rolledBackAt: rollback.time } : {}),
    });
  }
  changes.sort((a, b) => a.deployedAt.localeCompare(b.deployedAt));
  const failureOf = (c: Change): string | undefined => {
    if (c.rolledBackAt) return c.rolledBackAt;
    const next = changes.find((n) => n.app === c.app && n.deployedAt > c.deployedAt);
    return operatorRollbacks.find(
      (r) => r.app === c.app && r.at > c.deployedAt && (!next || r.at < next.deployedAt),
    )?.at;
  };
  const inPeriod = (t: string) =>
    Date.parse(t) >= Date.parse(period.since) && Date.parse(t) < Date.parse(period.until);
  const list: DoraDeployment[] = changes
    .filter((c) => inPeriod(c.deployedAt))
    .map((c) => {
      const restoredAt = failureOf(c);
      const previous = changes.filter((p) => p.app === c.app && p.deployedAt < c.deployedAt).at(-1);
      return {
        promotionId: c.chainId,
        app: c.app,
        ...(c.version ? { version: c.version } : {}),
        deployedAt: c.deployedAt,
        requestedAt: c.requestedAt,
        failed: restoredAt !== undefined,
        ...(restoredAt ? { restoredAt } : {}),
        rework: previous !== undefined && failureOf(previous) !== undefined,
      };
    });
  const days = (Date.parse(period.until) - Date.parse(period.since)) / 86_400_000;
  const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;
  const failed = list.filter((d) => d.failed);
  const rework = list.filter((d) => d.rework);
  const rate = (n: number) => (list.length ? n / list.length : null);
  return {
    stage,
    days,
    deployments: list.length,
    deploymentsPerDay: days > 0 ? list.length / days : 0,
    leadTimeMedianSeconds: median(list.map((d) => seconds(d.requestedAt, d.deployedAt))),
    changeFailureRate: rate(failed.length),
    failedDeployments: failed.length,
    timeToRestoreMedianSeconds: median(failed.map((d) => seconds(d.deployedAt, d.restoredAt!))),
    restored: failed.length,
    reworkRate: rate(rework.length),
    reworkDeployments: rework.length,
    list,
  };
}
