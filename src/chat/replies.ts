/**
 * What the hook answers in the channel, in Slack's response shape (`response_type`, `text`,
 * `blocks`), which Mattermost and generic webhook callers read as well.
 */
import type { VoteAction } from '../approvals/actions.js';
import type { VoteOutcome } from '../../workflows/messages.js';
import type { PromotionState } from '../../workflows/types.js';
import type { Refusal } from './refusals.js';

export interface SlackReply {
  response_type: 'ephemeral' | 'in_channel';
  text: string;
  blocks?: unknown[];
  /** Not read by Slack: lets webhook callers branch without parsing text. */
  tollgate: { ok: boolean; refusal?: string };
}

export function acceptedReply(text: string, inChannel: boolean): SlackReply {
  return {
    response_type: inChannel ? 'in_channel' : 'ephemeral',
    text,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(text) } }],
    tollgate: { ok: true },
  };
}

export function refusedReply(refusal: Refusal): SlackReply {
  return {
    response_type: 'ephemeral',
    text: `Refused: ${refusal.reason}`,
    tollgate: { ok: false, refusal: refusal.kind },
  };
}

export function shortDigest(digest: string): string {
  return digest.length > 23 ? `${digest.slice(0, 19)}…` : digest;
}

export function describeState(state: PromotionState): string {
  const where = state.currentStage
    ? ` at ${state.currentStage}${state.gate ? ` (gate: ${state.gate})` : ''}`
    : '';
  const lines = [
    `${state.app} ${state.version} · promotion ${state.promotionId}: ${state.status}${where}${state.paused ? ', paused' : ''}`,
    `release digest ${state.releaseDigest} · requested by ${state.requester}`,
  ];
  const stage = state.stages.find((s) => s.name === state.currentStage);
  if (stage?.policy)
    lines.push(
      `policy ${stage.policy.passed ? 'passed' : `failed: ${stage.policy.failedRules.join(', ')}`} (result ${shortDigest(stage.policy.resultHash)})`,
    );
  if (stage?.approval) {
    const approvals = stage.approval.votes.filter((v) => v.decision === 'approve').map((v) => v.approver);
    lines.push(
      `approvals ${approvals.length}/${stage.approval.quorum} from ${stage.approval.groups.join(', ')}${approvals.length ? ` (${approvals.join(', ')})` : ''}`,
    );
  }
  if (state.outcome) lines.push(state.outcome);
  return lines.join('\n');
}

export function describeVote(state: PromotionState, vote: VoteAction, result: VoteOutcome): string {
  const verb = vote.decision === 'approve' ? 'approved' : 'rejected';
  const tally = `${result.tally.approvals}/${result.tally.quorum} approvals`;
  return `${vote.actor} ${verb} ${state.app} ${state.version} at ${vote.stage} (${tally}) · release ${shortDigest(vote.releaseDigest)}${vote.comment ? ` · "${vote.comment}"` : ''}`;
}

/** Slack mrkdwn treats <, > and & as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
