import type { Release } from '../../../src/domain/release.js';
import { testRelease } from '../../helpers/promotion-world.js';
import type { PromotionResult } from '../../../workflows/types.js';
import { autopilot } from './autopilot.js';
import type { Installation, Promotion } from './installation.js';

/** Longer than any disturbed run needs (a lost activity costs its 1 min heartbeat timeout). */
const FINISH_WITHIN_MS = 5 * 60_000;

export interface PromotionRun {
  promotion: Promotion;
  /** The result, or why there is none. */
  result: PromotionResult | Error;
  /** Canary decisions the people took. */
  decisions: number;
}

/**
 * Promotes `release` with the autopilot approving and deciding, runs `disturb` alongside (kill a
 * worker, restart a server, …) and waits for the promotion and its archive to finish.
 */
export async function runPromotion(
  inst: Installation,
  release: Release,
  promotionId: string,
  opts: { decision?: 'continue' | 'rollback'; disturb?: (p: Promotion) => Promise<void> } = {},
): Promise<PromotionRun> {
  const promotion = await inst.promote(release, promotionId);
  const pilot = autopilot(promotion, opts.decision);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`not finished within ${FINISH_WITHIN_MS / 60_000} min`)),
      FINISH_WITHIN_MS,
    );
  });
  let result: PromotionResult | Error;
  try {
    // A worker that dies by itself fails the run at once, also while waiting for a step to disturb.
    result = await Promise.race([
      (async () => {
        await opts.disturb?.(promotion);
        return inst.finished(promotion);
      })(),
      timeout,
      inst.workerDied,
    ]);
  } catch (err) {
    result = err instanceof Error ? err : new Error(String(err));
  } finally {
    clearTimeout(timer);
  }
  await pilot.stop();
  return { promotion, result, decisions: pilot.decisions };
}

/** `count` promotions of different apps at once; `disturb` runs alongside the first one. */
export function runPromotions(
  inst: Installation,
  count: number,
  idPrefix: string,
  disturb?: (p: Promotion) => Promise<void>,
): Promise<PromotionRun[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      runPromotion(inst, testRelease({ app: `billing-api-${i}` }), `${idPrefix}-${i}`, {
        ...(i === 0 && disturb ? { disturb } : {}),
      }),
    ),
  );
}
