/**
 * `--since` means one thing everywhere (`list`, `audit list`, `audit export`, `policy backtest`):
 * promotions that started at or after a time, a duration back from now or a date/time.
 */
import { sinceTime } from '../domain/since.js';
import { UserError } from './errors.js';

export const SINCE_HELP = 'promotions started within a duration (24h, 7d) or since a date/time (2026-01-31)';

export function parseSince(text: string, flag = '--since', now: Date = new Date()): Date {
  try {
    return sinceTime(text, now, flag);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}
