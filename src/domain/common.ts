import { z } from 'zod';
import { DURATION_PATTERN } from './duration.js';

export { durationMs } from './duration.js';

/** Durations as people write them in config: `30s`, `5m`, `24h`, `7d` (or plain milliseconds). */
export const Duration = z.union([
  z.number().int().nonnegative(),
  z.string().regex(DURATION_PATTERN, 'must be a duration such as 30s, 5m, 24h or 7d'),
]);
export type Duration = z.infer<typeof Duration>;

export const Sha256Digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 lowercase hex>');

/** Names used in IDs, task queues and search attributes. */
export const Name = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/,
    'must be lowercase letters, digits, ".", "_" or "-" (max 63)',
  );

export const PrincipalId = z.string().min(1).max(128);
