/**
 * How a promotion stands, as its state query, its search attribute and the CLI's `--status`
 * name it, and which evidence record ends its chain for each way it can end.
 */
// Type-only: workflows import this module, and evidence.ts's schemas stay out of their bundle.
import type { EvidenceType } from './evidence.js';

export const PROMOTION_STATUSES = [
  'running',
  'succeeded',
  'failed',
  'rejected',
  'expired',
  'aborted',
  'rolled-back',
  'superseded',
] as const;
export type PromotionStatus = (typeof PROMOTION_STATUSES)[number];
export type EndStatus = Exclude<PromotionStatus, 'running'>;

/**
 * The record a promotion that ends with `status` writes last (promotions recorded before the
 * `rolled-back-record` patch ended a rolled-back promotion with `promotion.failed`).
 */
export function endRecordType(status: EndStatus): EvidenceType {
  return status === 'succeeded' ? 'promotion.completed' : `promotion.${status}`;
}
