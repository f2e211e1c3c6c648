/**
 * What an approver asked for, whatever the channel: a slash command's text, a button click or a
 * generic webhook body all become a ChatCommand. Parsing happens only after the request's
 * signature was verified.
 */
import { z } from 'zod';
import {
  APPROVE_ACTION_ID,
  ButtonValue,
  CanaryButtonValue,
  CONTINUE_ACTION_ID,
  REJECT_ACTION_ID,
  ROLLBACK_ACTION_ID,
} from './buttons.js';

export type ChatCommand =
  | {
      kind: 'vote';
      decision: 'approve' | 'reject';
      promotionId: string;
      /** Words after the promotion id: an optional stage name, then the comment. */
      words: string[];
      /** The release digest the approver was shown (buttons, webhooks), checked before voting. */
      shownDigest?: string;
      stage?: string;
      comment?: string;
    }
  | { kind: 'control'; command: 'pause' | 'resume' | 'abort'; promotionId: string; reason?: string }
  | {
      kind: 'canary';
      decision: 'continue' | 'rollback';
      promotionId: string;
      /** Words after the promotion id (slash command): an optional stage name, then the reason. */
      words: string[];
      /** The analysis the person was shown (buttons, webhooks): the decision binds to it. */
      stage?: string;
      step?: number;
      reason?: string;
    }
  | { kind: 'status'; promotionId: string };

export class CommandError extends Error {
  override name = 'CommandError';
}

export const USAGE =
  'usage: /tollgate approve|reject <promotion> [stage] [comment] · /tollgate continue|rollback <promotion> [stage] [reason] (an inconclusive canary) · /tollgate status|pause|resume|abort <promotion> [reason]';

const PromotionId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'promotion ids are letters, digits, ".", "_", ":" or "-"');

function promotionId(text: string | undefined): string {
  if (!text) throw new CommandError(`missing promotion id; ${USAGE}`);
  const parsed = PromotionId.safeParse(text);
  if (!parsed.success)
    throw new CommandError(
      `"${text.slice(0, 80)}" is not a promotion id: ${parsed.error.issues[0]!.message}`,
    );
  return parsed.data;
}

/** `/tollgate approve billing-42 prod looks good` → a vote with words ['prod', 'looks', 'good']. */
export function parseCommandText(text: string): ChatCommand {
  const [verb, id, ...rest] = text.trim().split(/\s+/).filter(Boolean);
  switch (verb?.toLowerCase()) {
    case 'approve':
    case 'reject':
      return {
        kind: 'vote',
        decision: verb.toLowerCase() as 'approve' | 'reject',
        promotionId: promotionId(id),
        words: rest,
      };
    case 'pause':
    case 'resume':
    case 'abort':
      return {
        kind: 'control',
        command: verb.toLowerCase() as 'pause' | 'resume' | 'abort',
        promotionId: promotionId(id),
        reason: rest.length ? rest.join(' ').slice(0, 2000) : undefined,
      };
    case 'continue':
    case 'rollback':
      return {
        kind: 'canary',
        decision: verb.toLowerCase() as 'continue' | 'rollback',
        promotionId: promotionId(id),
        words: rest,
      };
    case 'status':
      return { kind: 'status', promotionId: promotionId(id) };
    default:
      throw new CommandError(verb ? `unknown command "${verb.slice(0, 40)}"; ${USAGE}` : USAGE);
  }
}

/** Splits the words after the promotion id into a stage (if the first word names one) and a comment. */
export function stageAndComment(words: string[], stageNames: string[]): { stage?: string; comment?: string } {
  const [first, ...rest] = words;
  const named = first !== undefined && stageNames.includes(first);
  const commentWords = named ? rest : words;
  const comment = commentWords
    .join(' ')
    .replace(/^"(.*)"$/s, '$1')
    .slice(0, 2000);
  return { stage: named ? first : undefined, comment: comment || undefined };
}

/** The fields of a Slack (or Mattermost) slash command that Tollgate reads. */
export const SlashCommandForm = z.object({
  user_id: z.string().min(1).max(100),
  text: z.string().max(4000).default(''),
  team_id: z.string().max(100).optional(),
  channel_id: z.string().max(100).optional(),
  response_url: z.string().max(2000).optional(),
});

/** A Slack `block_actions` interaction: the user and the first button they clicked. */
export const InteractionPayload = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1).max(100) }),
  response_url: z.string().max(2000).optional(),
  actions: z
    .array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() }))
    .min(1),
});
export type InteractionPayload = z.infer<typeof InteractionPayload>;

export function commandFromInteraction(payload: InteractionPayload): ChatCommand {
  const action = payload.actions[0]!;
  const canary = action.action_id === CONTINUE_ACTION_ID || action.action_id === ROLLBACK_ACTION_ID;
  if (!canary && action.action_id !== APPROVE_ACTION_ID && action.action_id !== REJECT_ACTION_ID)
    throw new CommandError(`unknown button ${action.action_id.slice(0, 80)}`);
  let raw: unknown;
  try {
    raw = JSON.parse(action.value ?? '');
  } catch {
    throw new CommandError('button value is not JSON');
  }
  if (canary) {
    const bound = CanaryButtonValue.safeParse(raw);
    if (!bound.success) throw new CommandError('canary button value must be {promotionId, stage, step}');
    return {
      kind: 'canary',
      decision: action.action_id === CONTINUE_ACTION_ID ? 'continue' : 'rollback',
      promotionId: promotionId(bound.data.promotionId),
      words: [],
      stage: bound.data.stage,
      step: bound.data.step,
    };
  }
  const value = ButtonValue.safeParse(raw);
  if (!value.success) throw new CommandError('button value must be {promotionId, stage, releaseDigest}');
  return {
    kind: 'vote',
    decision: action.action_id === APPROVE_ACTION_ID ? 'approve' : 'reject',
    promotionId: promotionId(value.data.promotionId),
    words: [],
    stage: value.data.stage,
    shownDigest: value.data.releaseDigest,
  };
}

/** The JSON body of a generic webhook request. */
export const WebhookBody = z.object({
  /** Unix seconds when the sender made the request: together with the delivery id, bounds replays. */
  timestamp: z.number().int().positive(),
  user: z.string().min(1).max(200),
  command: z.enum(['approve', 'reject', 'continue', 'rollback', 'status', 'pause', 'resume', 'abort']),
  promotionId: PromotionId,
  stage: z.string().min(1).max(100).optional(),
  releaseDigest: z.string().min(1).max(200).optional(),
  comment: z.string().max(2000).optional(),
  /** continue/rollback: the canary step whose inconclusive analysis the sender decides on. */
  step: z.number().int().positive().optional(),
});
export type WebhookBody = z.infer<typeof WebhookBody>;

export function commandFromWebhook(body: WebhookBody): ChatCommand {
  switch (body.command) {
    case 'approve':
    case 'reject':
      return {
        kind: 'vote',
        decision: body.command,
        promotionId: body.promotionId,
        words: [],
        stage: body.stage,
        comment: body.comment,
        shownDigest: body.releaseDigest,
      };
    case 'continue':
    case 'rollback':
      return {
        kind: 'canary',
        decision: body.command,
        promotionId: body.promotionId,
        words: [],
        stage: body.stage,
        step: body.step,
        reason: body.comment,
      };
    case 'status':
      return { kind: 'status', promotionId: body.promotionId };
    default:
      return { kind: 'control', command: body.command, promotionId: body.promotionId, reason: body.comment };
  }
}
