import { z } from 'zod';

/** Durations as people write them in config: `30s`, `5m`, `24h`, `7d` (or plain milliseconds). */
export const Duration = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+(ms|s|m|h|d)$/, 'must be a duration such as 30s, 5m, 24h or 7d'),
]);
export type Duration = z.infer<typeof Duration>;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function durationMs(d: Duration): number {
  if (typeof d === 'number') return d;
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(d);
  if (!match) throw new Error(`invalid duration ${d}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

export const Sha256Digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 lowercase hex>');

/** Names used in IDs, task queues and search attributes. */
export const Name = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/,
    'must be lowercase letters, digits, ".", "_" or "-" (max 63)',
  );

export const PrincipalId = z.string().min(1).max(128);
