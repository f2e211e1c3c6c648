import { z } from 'zod';
import { PrincipalId } from '../domain/common.js';

/**
 * Everything a person does to a running promotion is a signed action: a vote, a control
 * command, a waiver, a freeze. Identity never rests on a name in the payload: the workflow
 * checks the signature against keys from config before the action counts.
 */
const ActionBase = z.object({
  promotionId: z.string().min(1),
  actor: PrincipalId,
  channel: z.enum(['cli', 'slack', 'mattermost', 'webhook', 'api']),
  /** The chat identity the hook verified (only for the slack, mattermost and webhook channels). */
  chatIdentity: z.object({ platform: z.string(), userId: z.string() }).optional(),
  issuedAt: z.string(),
  /** Random, so two otherwise identical actions are distinct signed messages. */
  nonce: z.string().min(8),
});

export const VoteAction = ActionBase.extend({
  kind: z.literal('vote'),
  stage: z.string(),
  decision: z.enum(['approve', 'reject']),
  /** What the approver was shown: the vote only counts for exactly this release and policy result. */
  releaseDigest: z.string(),
  policyResultHash: z.string(),
  comment: z.string().max(2000).optional(),
});
export type VoteAction = z.infer<typeof VoteAction>;

export const ControlAction = ActionBase.extend({
  kind: z.literal('control'),
  command: z.enum(['pause', 'resume', 'abort', 'promote-now', 'continue', 'rollback']),
  reason: z.string().max(2000).optional(),
  /**
   * continue/rollback: the inconclusive analysis the decision answers, as shown to the person
   * (its stage and canary step): a decision for another stage or step is refused.
   */
  stage: z.string().min(1).max(100).optional(),
  step: z.number().int().positive().optional(),
});
export type ControlAction = z.infer<typeof ControlAction>;

export const WaiverAction = ActionBase.extend({
  kind: z.literal('waiver'),
  stage: z.string(),
  /** Policy rule ids to waive, and/or `change-window`. */
  waives: z.array(z.string().min(1)).min(1),
  justification: z.string().min(10, 'a waiver needs a justification of at least 10 characters'),
  expiresAt: z.string(),
});
export type WaiverAction = z.infer<typeof WaiverAction>;

export const FreezeAction = ActionBase.extend({
  kind: z.literal('freeze'),
  frozen: z.boolean(),
  reason: z.string().min(1),
});
export type FreezeAction = z.infer<typeof FreezeAction>;

/**
 * An operator's rollback of an app at one stage, outside any promotion. `promotionId` is the
 * rollback's own id; app, stage and the version asked for are signed, so none can be swapped.
 */
export const RollbackAction = ActionBase.extend({
  kind: z.literal('rollback'),
  app: z.string().min(1),
  stage: z.string().min(1),
  /** The version to restore; without it, the one that was stable before the current one. */
  toVersion: z.string().min(1).optional(),
  reason: z.string().max(2000).optional(),
});
export type RollbackAction = z.infer<typeof RollbackAction>;

/**
 * A requester's start of a promotion: it names the release by digest and the pipeline by name.
 * The signer is the requester; the workers look the pipeline and every key up in their own
 * config, so nothing else about trust travels with it.
 */
export const StartAction = ActionBase.extend({
  kind: z.literal('start'),
  pipeline: z.string().min(1),
  app: z.string().min(1),
  version: z.string().min(1),
  releaseDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 lowercase hex>'),
});
export type StartAction = z.infer<typeof StartAction>;

export const Action = z.discriminatedUnion('kind', [
  StartAction,
  VoteAction,
  ControlAction,
  WaiverAction,
  FreezeAction,
  RollbackAction,
]);
export type Action = z.infer<typeof Action>;

export interface Signed<T extends Action = Action> {
  payload: T;
  /** Key id as listed in the promotion's trust snapshot. */
  keyId: string;
  /** Ed25519 signature (hex) over the RFC 8785 canonical JSON of `payload`. */
  signature: string;
}

/** A key the workflow trusts, resolved from config when the promotion starts. */
export interface TrustedKey {
  publicKeyHex: string;
  /** A principal's own key (CLI/API) or a chat hook's key attesting chat identities. */
  kind: 'principal' | 'chat-service';
  principal?: string;
}

export interface TrustSnapshot {
  principals: { id: string; groups: string[] }[];
  keys: Record<string, TrustedKey>;
  /**
   * Raw public keys (hex) of the orchestration workers, which sign stage attestations and the
   * coordination messages (stage-lock answers, supersede notices) promotions accept.
   */
  serviceKeys?: string[];
}
