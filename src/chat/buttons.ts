/**
 * The approve/reject buttons of an approval request, and the continue/rollback buttons of an
 * inconclusive canary. The notify activity writes them and the hook
 * reads them back, so both sides share these definitions. A button carries the release digest
 * the message showed: a click only counts while the promotion still deploys that release.
 */
import { z } from 'zod';

export const APPROVE_ACTION_ID = 'tollgate.approve';
export const REJECT_ACTION_ID = 'tollgate.reject';

export const ButtonValue = z.object({
  promotionId: z.string().min(1).max(200),
  stage: z.string().min(1).max(100),
  releaseDigest: z.string().min(1).max(200),
});
export type ButtonValue = z.infer<typeof ButtonValue>;

export function buttonValue(value: ButtonValue): string {
  return JSON.stringify({
    promotionId: value.promotionId,
    stage: value.stage,
    releaseDigest: value.releaseDigest,
  });
}

export const CONTINUE_ACTION_ID = 'tollgate.canary-continue';
export const ROLLBACK_ACTION_ID = 'tollgate.canary-rollback';

/** A canary decision button carries the analysis it answers: a click for an older step is refused. */
export const CanaryButtonValue = z.object({
  promotionId: z.string().min(1).max(200),
  stage: z.string().min(1).max(100),
  step: z.number().int().positive(),
});
export type CanaryButtonValue = z.infer<typeof CanaryButtonValue>;

export function canaryButtonValue(value: CanaryButtonValue): string {
  return JSON.stringify({ promotionId: value.promotionId, stage: value.stage, step: value.step });
}
