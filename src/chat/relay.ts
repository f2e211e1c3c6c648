/**
 * Turns a verified chat command into a signed action on the promotion and relays the answer.
 * The hook decides nothing about authorization: the workflow's update validators do, so the
 * same rules hold from the CLI and from chat. The hook only binds the vote to what the approver
 * saw (the release digest and policy result of the promotion's live state) and signs it with
 * its service key, which the workflow trusts for chat-sourced identities only.
 */
import type { KeyObject } from 'node:crypto';
import {
  QueryNotRegisteredError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { ControlAction, VoteAction } from '../approvals/actions.js';
import { chatServiceKeyId, newNonce, signAction } from '../keys.js';
import type { Principal } from '../config/schema.js';
import { controlUpdate, stateQuery, voteUpdate } from '../../workflows/messages.js';
import type { PromotionState } from '../../workflows/types.js';
import { stageAndComment, type ChatCommand } from './commands.js';
import type { ChatIdentity } from './identity.js';
import { Refusal } from './refusals.js';
import { describeState, describeVote } from './replies.js';

export interface Outcome {
  text: string;
  /** Visible to the channel (votes, controls) or only to the requester (status). */
  inChannel: boolean;
  /** The stage the action applied to, for logs and evidence of refusals. */
  stage?: string;
}

export interface Caller {
  principal: Principal;
  identity: ChatIdentity;
  channel: 'slack' | 'mattermost' | 'webhook';
}

const RPC_DEADLINE_MS = 10_000;

export class PromotionRelay {
  private readonly keyId: string;

  constructor(
    private readonly client: Client,
    private readonly serviceKey: { id: string; privateKey: KeyObject },
    private readonly workflowIdPrefix: string,
  ) {
    this.keyId = chatServiceKeyId(serviceKey.id);
  }

  async run(command: ChatCommand, caller: Caller): Promise<Outcome> {
    const handle = this.client.workflow.getHandle(`${this.workflowIdPrefix}${command.promotionId}`);
    const state = await this.state(handle, command.promotionId);
    switch (command.kind) {
      case 'status':
        return { text: describeState(state), inChannel: false };
      case 'vote':
        return this.vote(handle, state, command, caller);
      case 'control':
        return this.control(handle, state, command, caller);
      case 'canary':
        return this.canaryDecision(handle, state, command, caller);
    }
  }

  private async vote(
    handle: WorkflowHandle,
    state: PromotionState,
    command: Extract<ChatCommand, { kind: 'vote' }>,
    caller: Caller,
  ): Promise<Outcome> {
    if (state.status !== 'running')
      throw new Refusal(
        'not-waiting',
        `promotion ${state.promotionId} is ${state.status}; there is nothing to vote on`,
      );
    if (command.shownDigest !== undefined && command.shownDigest !== state.releaseDigest)
      throw new Refusal(
        'digest-mismatch',
        `you were shown release digest ${command.shownDigest}, but promotion ${state.promotionId} now deploys ${state.releaseDigest}: check /tollgate status ${state.promotionId} and vote again`,
      );
    const words = stageAndComment(
      command.words,
      state.stages.map((s) => s.name),
    );
    const stage =
      command.stage ?? words.stage ?? (state.gate === 'approval' ? state.currentStage : undefined);
    if (!stage)
      throw new Refusal('not-waiting', `no stage of promotion ${state.promotionId} is waiting for approval`);
    const comment = command.comment ?? words.comment;
    const payload: VoteAction = {
      kind: 'vote',
      ...actionBase(state, caller),
      stage,
      decision: command.decision,
      releaseDigest: state.releaseDigest,
      policyResultHash: state.stages.find((s) => s.name === stage)?.policy?.resultHash ?? '',
      ...(comment ? { comment } : {}),
    };
    const signed = signAction(payload, this.keyId, this.serviceKey.privateKey);
    const result = await this.update(() =>
      handle.executeUpdate(voteUpdate, { args: [signed], updateId: payload.nonce }),
    );
    return { text: describeVote(state, payload, result), inChannel: true, stage };
  }

  private async control(
    handle: WorkflowHandle,
    state: PromotionState,
    command: Extract<ChatCommand, { kind: 'control' }>,
    caller: Caller,
  ): Promise<Outcome> {
    const payload: ControlAction = {
      kind: 'control',
      ...actionBase(state, caller),
      command: command.command,
      ...(command.reason ? { reason: command.reason } : {}),
    };
    const signed = signAction(payload, this.keyId, this.serviceKey.privateKey);
    await this.update(() => handle.executeUpdate(controlUpdate, { args: [signed], updateId: payload.nonce }));
    const past = { pause: 'paused', resume: 'resumed', abort: 'is aborting' }[command.command];
    return {
      text: `${caller.principal.id} ${past} ${state.app} ${state.version} (promotion ${state.promotionId})${command.reason ? `: ${command.reason}` : ''}`,
      inChannel: true,
      ...(state.currentStage ? { stage: state.currentStage } : {}),
    };
  }

  /**
   * continue/rollback for an inconclusive canary, as `tollgate canary` sends it: a signed control
   * bound to the stage and step the person was shown (buttons, webhooks) or, for a typed command,
   * to the analysis waiting now. The workflow checks who may decide, as for the CLI.
   */
  private async canaryDecision(
    handle: WorkflowHandle,
    state: PromotionState,
    command: Extract<ChatCommand, { kind: 'canary' }>,
    caller: Caller,
  ): Promise<Outcome> {
    const waiting = state.stages.find((s) => s.canary?.awaitingDecision);
    const words = stageAndComment(
      command.words,
      state.stages.map((s) => s.name),
    );
    const stage = command.stage ?? words.stage ?? waiting?.name;
    if (!stage)
      throw new Refusal(
        'not-waiting',
        `no inconclusive canary of promotion ${state.promotionId} is waiting for a decision`,
      );
    const step = command.step ?? (waiting?.name === stage ? waiting.canary?.step : undefined);
    const reason = command.reason ?? words.comment;
    const payload: ControlAction = {
      kind: 'control',
      ...actionBase(state, caller),
      command: command.decision,
      stage,
      ...(step !== undefined ? { step } : {}),
      ...(reason ? { reason } : {}),
    };
    const signed = signAction(payload, this.keyId, this.serviceKey.privateKey);
    await this.update(() => handle.executeUpdate(controlUpdate, { args: [signed], updateId: payload.nonce }));
    const what = command.decision === 'continue' ? 'continues' : 'rolls back';
    return {
      text: `${caller.principal.id}: the canary of ${state.app} ${state.version} at ${stage}${step !== undefined ? ` (step ${step})` : ''} ${what} (promotion ${state.promotionId})${reason ? `: ${reason}` : ''}`,
      inChannel: true,
      stage,
    };
  }

  private async state(handle: WorkflowHandle, promotionId: string): Promise<PromotionState> {
    try {
      return await this.client.withDeadline(Date.now() + RPC_DEADLINE_MS, () => handle.query(stateQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new Refusal('not-found', `there is no promotion ${promotionId}`);
      // A stage lock, the line or an archive: a Tollgate workflow, but not a promotion.
      if (err instanceof QueryNotRegisteredError)
        throw new Refusal('not-found', `${promotionId} is not a promotion (see \`tollgate list\`)`);
      throw err;
    }
  }

  /** Relays the validator's refusal (or the handler's failure) with its reason. */
  private async update<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError)
        throw new Refusal('refused-by-workflow', err.cause?.message ?? err.message);
      if (err instanceof WorkflowNotFoundError) throw new Refusal('not-waiting', 'the promotion has ended');
      throw err;
    }
  }
}

/** What every action the hook signs says about who acts, through which chat identity, and when. */
function actionBase(state: PromotionState, caller: Caller) {
  return {
    promotionId: state.promotionId,
    actor: caller.principal.id,
    channel: caller.channel,
    chatIdentity: { platform: caller.identity.platform, userId: caller.identity.userId },
    issuedAt: new Date().toISOString(),
    nonce: newNonce(),
  };
}
