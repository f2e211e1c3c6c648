/**
 * The messages the notify activity posts: Slack incoming-webhook JSON with Block Kit (and
 * approve/reject buttons bound to the release digest when a stage waits for approval), or a
 * generic JSON document for other receivers.
 */
import type { NotifyRequest } from '../../activities/contracts.js';
import {
  APPROVE_ACTION_ID,
  buttonValue,
  canaryButtonValue,
  CONTINUE_ACTION_ID,
  REJECT_ACTION_ID,
  ROLLBACK_ACTION_ID,
} from './buttons.js';
import { escapeMrkdwn } from './replies.js';

const HEADLINES: Record<NotifyRequest['event'], string> = {
  'approval-requested': 'Approval requested',
  approved: 'Approved',
  rejected: 'Rejected',
  expired: 'Approval expired',
  'rolled-back': 'Rolled back',
  completed: 'Promotion completed',
  failed: 'Promotion failed',
  'canary-inconclusive': 'Canary inconclusive: a decision is needed',
};

export function policySummary(req: NotifyRequest): string {
  if (!req.policy) return 'no policy result';
  return req.policy.passed ? 'passed' : `failed: ${req.policy.failedRules.join(', ') || 'see evidence'}`;
}

export function canarySummary(req: NotifyRequest): string {
  if (!req.canary || req.canary.verdicts.length === 0) return 'no canary analysis yet';
  const counts = new Map<string, number>();
  for (const v of req.canary.verdicts) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([verdict, n]) => `${n} ${verdict}`).join(', ');
}

export function headline(req: NotifyRequest): string {
  return `${HEADLINES[req.event]}: ${req.app} ${req.version}${req.stage ? ` → ${req.stage}` : ''}`;
}

export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

export function slackMessage(req: NotifyRequest): SlackMessage {
  const field = (label: string, value: string) => ({
    type: 'mrkdwn',
    text: `*${label}*\n${escapeMrkdwn(value)}`,
  });
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: headline(req).slice(0, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(req.summary) } },
    {
      type: 'section',
      fields: [
        field('App', req.app),
        field('Version', req.version),
        field('Stage', req.stage ?? '—'),
        field('Requester', req.requester),
        field('Policy', policySummary(req)),
        field('Canary', canarySummary(req)),
      ],
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `promotion \`${req.promotionId}\` · release digest \`${req.releaseDigest}\``,
        },
      ],
    },
  ];
  if (req.event === 'approval-requested' && req.stage) {
    const value = buttonValue({
      promotionId: req.promotionId,
      stage: req.stage,
      releaseDigest: req.releaseDigest,
    });
    blocks.push({
      type: 'actions',
      block_id: `tollgate:${req.promotionId}:${req.stage}`.slice(0, 255),
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION_ID,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          value,
        },
        {
          type: 'button',
          action_id: REJECT_ACTION_ID,
          style: 'danger',
          text: { type: 'plain_text', text: 'Reject' },
          value,
        },
      ],
    });
  }
  if (req.event === 'canary-inconclusive' && req.stage && req.canary?.step) {
    const value = canaryButtonValue({
      promotionId: req.promotionId,
      stage: req.stage,
      step: req.canary.step,
    });
    blocks.push({
      type: 'actions',
      block_id: `tollgate:${req.promotionId}:${req.stage}:canary-${req.canary.step}`.slice(0, 255),
      elements: [
        {
          type: 'button',
          action_id: CONTINUE_ACTION_ID,
          style: 'primary',
          text: { type: 'plain_text', text: 'Continue the canary' },
          value,
        },
        {
          type: 'button',
          action_id: ROLLBACK_ACTION_ID,
          style: 'danger',
          text: { type: 'plain_text', text: 'Roll back' },
          value,
        },
      ],
    });
  }
  return { text: `${headline(req)} (${req.summary})`, blocks };
}

/** A versioned JSON document for receivers that are not Slack. */
export function genericMessage(req: NotifyRequest): Record<string, unknown> {
  return {
    type: 'tollgate.notification',
    schemaVersion: 1,
    event: req.event,
    headline: headline(req),
    promotionId: req.promotionId,
    app: req.app,
    version: req.version,
    stage: req.stage ?? null,
    releaseDigest: req.releaseDigest,
    requester: req.requester,
    summary: req.summary,
    policy: { ...(req.policy ?? {}), summary: policySummary(req), resultHash: req.policyResultHash ?? null },
    canary: { ...(req.canary ?? {}), summary: canarySummary(req) },
    ...(req.event === 'approval-requested' && req.stage
      ? { approve: { promotionId: req.promotionId, stage: req.stage, releaseDigest: req.releaseDigest } }
      : {}),
    ...(req.event === 'canary-inconclusive' && req.stage && req.canary?.step
      ? { decide: { promotionId: req.promotionId, stage: req.stage, step: req.canary.step } }
      : {}),
  };
}
