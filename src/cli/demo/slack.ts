/**
 * The demo's approvers: people in Slack typing `/tollgate approve …`. Each request is signed the
 * way Slack signs slash commands (v0 HMAC over timestamp and body) and sent to the real hook.
 */
import { slackSignature } from '../../chat/signatures.js';
import { resolveSecret } from '../../chat/config.js';
import type { ApprovalRule, Principal, TollgateConfig } from '../../config/schema.js';

export interface SlackReply {
  status: number;
  text: string;
}

export async function slashCommand(
  hookUrl: string,
  config: TollgateConfig,
  slackUserId: string,
  text: string,
): Promise<SlackReply> {
  const secretRef = config.hook?.slack?.signingSecret;
  if (!secretRef) throw new Error('the demo needs hook.slack.signingSecret in the config');
  const secret = await resolveSecret(secretRef, 'hook.slack.signingSecret');
  const body = new URLSearchParams({
    user_id: slackUserId,
    team_id: 'T0DEMO',
    channel_id: 'C0RELEASES',
    text,
  }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await fetch(`${hookUrl}/v1/slack/commands`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(secret, timestamp, body),
    },
    body,
  });
  const reply = (await res.json().catch(() => ({}))) as { text?: string };
  return { status: res.status, text: reply.text ?? '' };
}

/**
 * Who approves a stage in the demo: principals with a Slack identity in the rule's groups, never
 * the requester; one per group when the rule wants distinct groups.
 */
export function chooseApprovers(config: TollgateConfig, rule: ApprovalRule, requester: string): Principal[] {
  const eligible = config.principals.filter(
    (p) => p.id !== requester && p.chat.slack && p.groups.some((g) => rule.groups.includes(g)),
  );
  const chosen: Principal[] = [];
  if (rule.distinctGroups) {
    for (const group of rule.groups) {
      const p = eligible.find((e) => e.groups.includes(group) && !chosen.includes(e));
      if (p) chosen.push(p);
    }
  } else chosen.push(...eligible);
  return chosen.slice(0, rule.quorum);
}
