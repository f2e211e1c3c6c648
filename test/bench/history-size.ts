/** How big a workflow history is, counted the way Temporal's per-workflow limits count it. */
import protos from '@temporalio/proto';
import type { History } from '../../src/audit/history.js';

/** Temporal's default per-workflow history limits (events, bytes). */
export const HISTORY_LIMITS = { events: 51_200, bytes: 50 * 1024 * 1024 };

export interface HistoryFootprint {
  events: number;
  /** Protobuf-encoded size: what the server's size limit measures. */
  bytes: number;
  activities: number;
  localActivities: number;
  timers: number;
}

export function historyFootprint(history: History): HistoryFootprint {
  const events = history.events ?? [];
  const bytes = protos.temporal.api.history.v1.History.encode(history).finish().length;
  const count = (key: string) => events.filter((e) => (e as Record<string, unknown>)[key] != null).length;
  return {
    events: events.length,
    bytes,
    activities: count('activityTaskScheduledEventAttributes'),
    localActivities: count('markerRecordedEventAttributes'),
    timers: count('timerStartedEventAttributes'),
  };
}
