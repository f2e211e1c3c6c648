/**
 * What an operator's rollback would do, told before it is confirmed: the version the stage
 * serves, the version it would restore, and whether that version failed a canary anywhere.
 * Read from the evidence ledger (the serving state every deploy, promotion and rollback
 * records), so nothing is asked of the stage's worker before the operator says yes; the rollback
 * workflow itself still decides from the target's live state.
 */
import { listPromotions } from '../audit/list.js';
import type { Ledger } from '../ledger/ledger.js';
import type { ServingState } from '../targets/target.js';

export interface RollbackPreview {
  /** What the stage serves, as last recorded. */
  from?: string;
  /** What the rollback would restore (`--to`, or the version before the current one). */
  to?: string;
  /** A canary the version to restore failed, if any. */
  failedCanary?: { promotionId: string; stage: string; at: string; reason: string };
}

export async function previewRollback(
  ledger: Ledger,
  app: string,
  stage: string,
  toVersion?: string,
): Promise<RollbackPreview> {
  const chains = await listPromotions(ledger, { app });
  const versionOf = new Map(chains.map((c) => [c.promotionId, c.version]));
  const records = (await Promise.all(chains.map((c) => ledger.read(c.promotionId)))).flat();
  const latest = records
    .filter((r) => r.stage === stage && typeof r.data.serving === 'object' && r.data.serving !== null)
    .sort((a, b) => a.time.localeCompare(b.time))
    .at(-1)?.data.serving as ServingState | undefined;
  const to = toVersion ?? (latest?.canary ? latest.stable?.version : latest?.previousStable);
  const failed = to
    ? records.find(
        (r) =>
          r.type === 'canary.analysis' && r.data.verdict === 'fail' && versionOf.get(r.promotionId) === to,
      )
    : undefined;
  return {
    ...(latest?.stable?.version ? { from: latest.stable.version } : {}),
    ...(to ? { to } : {}),
    ...(failed
      ? {
          failedCanary: {
            promotionId: failed.promotionId,
            stage: failed.stage ?? '?',
            at: failed.time,
            reason: typeof failed.data.reason === 'string' ? failed.data.reason : 'failed',
          },
        }
      : {}),
  };
}
