/**
 * Durations as people write them in config: `30s`, `5m`, `24h`, `7d` (or plain milliseconds).
 * Kept apart from the zod schemas in common.ts because workflow code converts durations too, and
 * importing zod into the workflow bundle made every workflow instance build zod's classes again
 * (the sandbox evaluates the bundle's modules once per workflow): 8 % of the workflow thread's
 * time under 50 concurrent promotions.
 */
export type DurationText = number | string;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const DURATION_PATTERN = /^(\d+)(ms|s|m|h|d)$/;

export function durationMs(d: DurationText): number {
  if (typeof d === 'number') return d;
  const match = DURATION_PATTERN.exec(d);
  if (!match) throw new Error(`invalid duration ${d}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
