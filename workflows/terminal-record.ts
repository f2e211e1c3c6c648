/** Which record ends a promotion's evidence chain, for each way it can end. */
import { patched } from '@temporalio/workflow';
import type { PromotionStatus } from './types.js';

/**
 * patched() id: a promotion whose failed stage was rolled back ends with `promotion.rolled-back`;
 * before it, with `promotion.failed` and `data.status` 'rolled-back' (recorded histories keep that).
 */
export const ROLLED_BACK_RECORD = 'rolled-back-record';

export function terminalType(status: Exclude<PromotionStatus, 'running'>) {
  if (status === 'succeeded') return 'promotion.completed';
  if (status === 'rolled-back')
    return patched(ROLLED_BACK_RECORD) ? 'promotion.rolled-back' : 'promotion.failed';
  return `promotion.${status}` as const;
}
