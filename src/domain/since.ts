import { DURATION_PATTERN, durationMs } from './duration.js';

/**
 * `--since` as every command reads it: a duration back from `now` (24h, 7d) or a date or time
 * (2026-01-31, 2026-01-31T18:00:00Z). Throws with what to write instead.
 */
export function sinceTime(text: string, now: Date, flag = '--since'): Date {
  if (DURATION_PATTERN.test(text)) return new Date(now.getTime() - durationMs(text));
  const t = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(t))
    throw new Error(
      `${flag} ${text}: give a duration such as 24h or 7d, or a date/time such as 2026-01-31 or 2026-01-31T18:00:00Z`,
    );
  return new Date(t);
}
