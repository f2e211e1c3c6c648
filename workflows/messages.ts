/**
 * The one definition of every message a promotion understands. The workflow, the CLI, the chat
 * hook and the tests import these, so a name is never typed twice.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ControlAction,
  FreezeAction,
  Signed,
  StartAction,
  VoteAction,
  WaiverAction,
} from '../src/approvals/actions.js';
import { STATE_QUERY } from './query-names.js';
import type { PromotionState, VoteRecord } from './types.js';
import type { SupersededMessage } from './message-checks.js';

export interface VoteOutcome {
  accepted: true;
  stage: string;
  tally: { approvals: number; quorum: number };
  votes: VoteRecord[];
}

/** Approve or reject the stage that is waiting. The validator refuses with the reason. */
export const voteUpdate = defineUpdate<VoteOutcome, [Signed<VoteAction>]>('vote');
/** pause, resume, abort, promote-now, and continue/rollback for an inconclusive canary. */
export const controlUpdate = defineUpdate<{ accepted: true; command: string }, [Signed<ControlAction>]>(
  'control',
);
/** Waive failed policy rules or a closed change window for one stage, with justification and expiry. */
export const waiveUpdate = defineUpdate<{ accepted: true; waives: string[] }, [Signed<WaiverAction>]>(
  'waive',
);
/** Stop-the-line freeze or unfreeze, forwarded by the line workflow to every running promotion. */
export const freezeSignal = defineSignal<[Signed<FreezeAction>]>('freeze');
/** Sent by the stage lock when a newer promotion takes over this one's stage (onConflict: supersede). */
export const supersededSignal = defineSignal<[SupersededMessage]>('superseded');
export interface LockRequest {
  promotionId: string;
  workflowId: string;
  mode: 'queue' | 'reject' | 'supersede';
  /** The requester's signed start (signed promotions): forwarded to the holder it supersedes. */
  start?: Signed<StartAction>;
}
export const lockRequestSignal = defineSignal<[LockRequest]>('lockRequest');
export const lockReleaseSignal = defineSignal<[{ workflowId: string }]>('lockRelease');
/** The stage lock's answer to this promotion's request. */
export const lockAnswerSignal =
  defineSignal<[{ stage: string; granted: boolean; heldBy?: string }]>('lockAnswer');
export const stateQuery = defineQuery<PromotionState>(STATE_QUERY);
