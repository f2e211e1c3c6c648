/**
 * One promotion per app × stage: a promotion's requests to the stage locks, their answers, and
 * the release. Who holds a stage is decided by its lock chain in the ledger (lock-confirm.ts).
 */
import { patched } from '@temporalio/workflow';
import type { Stage } from '../src/config/schema.js';
import type { OrchestrationActivities } from '../activities/contracts.js';
import type { EvidenceTrail } from './evidence-trail.js';
import type { Refusals } from './refusals.js';
import { awaitStageLock, type LockAnswer } from './stage-lock.js';
import { awaitConfirmedLock, confirmsWithLedger } from './lock-confirm.js';
import type { RunInput, StageStop } from './types.js';

/** patched() id: an answer that arrived before this promotion's request is kept, not wiped. */
export const LOCK_ANSWER_BEFORE_REQUEST = 'lock-answer-before-request';

export type LockActivities = Pick<
  OrchestrationActivities,
  'requestStageLock' | 'confirmStageLock' | 'releaseStageLock'
>;

export class StageLocks {
  private readonly requested = new Set<string>();
  private readonly answers = new Map<string, LockAnswer>();

  constructor(
    private readonly input: RunInput,
    private readonly coordination: LockActivities,
    private readonly evidence: EvidenceTrail,
    private readonly refusals: Refusals,
  ) {}

  /** A `lockAnswer` signal: a hint, confirmed with the ledger before it counts. */
  answer(answer: { stage: string; granted: boolean; heldBy?: string }): void {
    this.answers.set(answer.stage, {
      granted: answer.granted,
      ...(answer.heldBy ? { heldBy: answer.heldBy } : {}),
    });
  }

  async acquire(stage: Stage): Promise<StageStop | undefined> {
    const mode = this.input.pipeline.onConflict;
    // The lock's answer can arrive before this code runs again: a workflow task that ran the
    // request (a local activity) timed out on an overloaded worker or died with it, the lock
    // answered, and the retried task delivers that answer first. Wiping it waited forever: the
    // lock ignores its holder's repeated request.
    if (!patched(LOCK_ANSWER_BEFORE_REQUEST)) this.answers.delete(stage.name);
    this.requested.add(stage.name);
    const lock = { app: this.input.release.app, stage: stage.name, promotionId: this.input.promotionId };
    const request = (grant: { grantOnStart?: true; acquire?: true }) =>
      this.coordination.requestStageLock({
        ...lock,
        workflowId: this.workflowId,
        mode,
        ...(this.input.trusted ? { start: this.input.trusted.start } : {}),
        ...grant,
      });
    const answered = () => this.answers.get(stage.name);
    const answer = confirmsWithLedger()
      ? await awaitConfirmedLock({
          mode,
          request: () => request({ grantOnStart: true, acquire: true }),
          confirm: () => this.coordination.confirmStageLock(lock),
          answered,
          clear: () => this.answers.delete(stage.name),
          refused: (hint, problem) => this.refusals.record('lockAnswer', problem, hint, stage.name),
        })
      : await awaitStageLock(request, answered);
    if (!answer.granted) {
      await this.evidence.add('lock.refused', { heldBy: answer.heldBy ?? null, mode }, { stage: stage.name });
      return {
        status: 'failed',
        outcome: `${this.input.release.app} is already being promoted to ${stage.name} by ${answer.heldBy} (onConflict: reject)`,
      };
    }
    await this.evidence.add('lock.acquired', { mode }, { stage: stage.name });
    return undefined;
  }

  async release(stage: Stage): Promise<void> {
    // Also sent when still queued (e.g. aborted while waiting), so the lock forgets the request.
    if (!this.requested.delete(stage.name)) return;
    this.answers.delete(stage.name);
    await this.coordination.releaseStageLock({
      app: this.input.release.app,
      stage: stage.name,
      promotionId: this.input.promotionId,
      workflowId: this.workflowId,
    });
  }

  private get workflowId(): string {
    return this.input.workflowId ?? this.input.promotionId;
  }
}
