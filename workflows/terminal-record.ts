/** Which record ends a promotion's evidence chain, for each way it can end. */
import { patched } from '@temporalio/workflow';
import { endRecordType, type EndStatus } from '../src/domain/promotion-status.js';

/**
 * patched() id: a promotion whose failed stage was rolled back ends with `promotion.rolled-back`;
 * before it, with `promotion.failed` and `data.status` 'rolled-back' (recorded histories keep that).
 */
export const ROLLED_BACK_RECORD = 'rolled-back-record';

export function terminalType(status: EndStatus) {
  if (status === 'rolled-back' && !patched(ROLLED_BACK_RECORD)) return 'promotion.failed';
  return endRecordType(status);
}
