/**
 * Where a promotion is, read from what the outside world can see — its Temporal history and
 * its evidence in the ledger — so a scenario can act exactly at a step boundary instead of
 * after a guessed sleep.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import protos from '@temporalio/proto';
import type { EvidenceRecord } from '../../../src/domain/evidence.js';
import type { Installation, Promotion } from './installation.js';

const { EventType } = protos.temporal.api.enums.v1;

/** Every step of the chaos pipeline comes within this, even after a lost activity's timeout. */
const WAIT_MS = 4 * 60_000;

export interface Progress {
  /** Activity tasks of this type the workflow has scheduled so far. */
  scheduled(activity: string): number;
  /** Activity tasks of this type that completed. */
  completed(activity: string): number;
  /** Updates (votes, canary decisions) the workflow has accepted. */
  updates: number;
  /** Evidence already in the ledger. */
  records: EvidenceRecord[];
  closed: boolean;
  /** Activity attempts after the first: work a lost worker left unfinished (or a target failure). */
  retriedActivities: number;
  /** Workflow tasks that timed out or failed: a worker that died holding them. */
  lostWorkflowTasks: number;
}

export async function progressOf(inst: Installation, p: Promotion): Promise<Progress> {
  const [history, records] = await Promise.all([
    p.handle.fetchHistory(),
    inst.ledger.read(p.input.promotionId).catch(() => []),
  ]);
  const events = history.events ?? [];
  const activityOf = new Map<string, string>();
  const scheduled: string[] = [];
  const completed: string[] = [];
  let updates = 0;
  let closed = false;
  let retriedActivities = 0;
  let lostWorkflowTasks = 0;
  for (const e of events) {
    switch (e.eventType) {
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const name = e.activityTaskScheduledEventAttributes?.activityType?.name ?? '';
        activityOf.set(String(e.eventId), name);
        scheduled.push(name);
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        completed.push(
          activityOf.get(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)) ?? '',
        );
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        if ((e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1) retriedActivities++;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
      case EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
        lostWorkflowTasks++;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        updates++;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
        closed = true;
        break;
    }
  }
  const count = (list: string[], name: string) => list.filter((n) => n === name).length;
  return {
    scheduled: (name) => count(scheduled, name),
    completed: (name) => count(completed, name),
    updates,
    records,
    closed,
    retriedActivities,
    lostWorkflowTasks,
  };
}

/** Resolves once `reached` holds; fails if the promotion closes first (the point never came). */
export async function waitUntil(
  inst: Installation,
  p: Promotion,
  reached: (progress: Progress) => boolean,
  what: string,
): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    // A server being restarted cannot answer for a moment: look again.
    const progress = await progressOf(inst, p).catch(() => undefined);
    if (progress && reached(progress)) return;
    if (progress?.closed) throw new Error(`the promotion ended before ${what}`);
    if (Date.now() > deadline) throw new Error(`${what} did not come within ${WAIT_MS / 60_000} min`);
    await sleep(50);
  }
}
