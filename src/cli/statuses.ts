import type { PromotionStatus } from '../../workflows/types.js';

/** Every promotion status, for `--status` choices: a typo is a usage error, not "no promotions match". */
export const STATUSES: readonly PromotionStatus[] = [
  'running',
  'succeeded',
  'failed',
  'rejected',
  'expired',
  'aborted',
  'rolled-back',
  'superseded',
];
