/**
 * Break-glass waivers: who may waive a stage's failed rules or closed change window, and which
 * waivers are in force. Pure (the time is a parameter), unit-tested without a server.
 */
import type { Signed, TrustSnapshot, WaiverAction } from '../src/approvals/actions.js';
import { signatureProblem } from '../src/approvals/verify.js';
import { inGroups } from './principals.js';

export interface WaiverContext {
  promotionId: string;
  stages: string[];
  trust: TrustSnapshot;
  waiverGroups: string[];
  requester: string;
  /** Milliseconds since the epoch: the workflow's time. */
  now: number;
}

/** Why a waiver must be refused, or undefined when it may be granted. */
export function waiverProblem(signed: Signed<WaiverAction>, ctx: WaiverContext): string | undefined {
  const waiver = signed.payload;
  const signature = signatureProblem(signed, ctx.trust);
  if (signature) return signature;
  if (waiver.kind !== 'waiver' || waiver.promotionId !== ctx.promotionId)
    return `waiver is for promotion ${waiver.promotionId}, not ${ctx.promotionId}`;
  if (!ctx.stages.includes(waiver.stage)) return `unknown stage ${waiver.stage}`;
  if (!inGroups(ctx.trust, waiver.actor, ctx.waiverGroups))
    return `${waiver.actor} may not grant waivers (waiver groups: ${ctx.waiverGroups.join(', ') || 'none'})`;
  if (waiver.actor === ctx.requester)
    return `segregation of duties: ${waiver.actor} requested this release and cannot waive its gates`;
  const expires = Date.parse(waiver.expiresAt);
  if (Number.isNaN(expires)) return `expiresAt ${waiver.expiresAt} is not an ISO-8601 time`;
  if (expires <= ctx.now) return `waiver already expired at ${waiver.expiresAt}`;
  return undefined;
}

/** Whether a granted waiver for `stage` covers `id` (a rule id or `change-window`) at `now`. */
export function waived(waivers: WaiverAction[], stage: string, id: string, now: number): boolean {
  return waivers.some((w) => w.stage === stage && w.waives.includes(id) && Date.parse(w.expiresAt) > now);
}
