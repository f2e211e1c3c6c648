/**
 * Change windows in UTC, evaluated on workflow time: pure, so replay gives the same answer.
 * (UTC rather than IANA zones keeps time-zone database updates from ever altering a replay.)
 */
import type { ChangeWindow } from '../src/config/schema.js';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

export function isWindowOpen(windows: ChangeWindow[], at: Date): boolean {
  if (windows.length === 0) return true;
  const day = DAYS[at.getUTCDay()]!;
  const minute = at.getUTCHours() * 60 + at.getUTCMinutes();
  return windows.some((w) => w.days.includes(day) && minute >= minutes(w.start) && minute < minutes(w.end));
}

/** The next moment at or after `at` when a window is open (within 8 days), or undefined. */
export function nextWindowOpening(windows: ChangeWindow[], at: Date): Date | undefined {
  if (isWindowOpen(windows, at)) return at;
  const dayStart = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  let best: number | undefined;
  for (let d = 0; d <= 8; d++) {
    const base = dayStart + d * DAY;
    const day = DAYS[new Date(base).getUTCDay()]!;
    for (const w of windows) {
      if (!w.days.includes(day) || minutes(w.start) >= minutes(w.end)) continue;
      const opens = base + minutes(w.start) * MINUTE;
      if (opens > at.getTime() && (best === undefined || opens < best)) best = opens;
    }
  }
  return best === undefined ? undefined : new Date(best);
}
