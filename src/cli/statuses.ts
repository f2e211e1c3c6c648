import { isTerminal } from '../domain/evidence.js';
import { endRecordType, PROMOTION_STATUSES, type PromotionStatus } from '../domain/promotion-status.js';

/** Every promotion status, for `--status` choices: a typo is a usage error, not "no promotions match". */
export const STATUSES: readonly PromotionStatus[] = PROMOTION_STATUSES;

/** True once a promotion has ended: the record it ends with is one of the ledger's terminal types. */
export function isEnded(status: PromotionStatus): boolean {
  return status !== 'running' && isTerminal(endRecordType(status));
}
