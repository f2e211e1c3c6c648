/**
 * The stop-the-line freeze: which freeze and unfreeze actions the line and a promotion accept.
 * Pure functions over the promotion's (or the line's) own trust, unit-tested without a server.
 */
import type { FreezeAction, Signed, TrustSnapshot } from '../src/approvals/actions.js';
import { signatureProblem } from '../src/approvals/verify.js';
import { inGroups } from './principals.js';

/**
 * Why a freeze or unfreeze must be refused: unsigned or wrongly signed, not by an operator, or
 * not newer than the freeze action already in force (so a replayed older unfreeze cannot lift
 * a newer freeze).
 */
export function freezeProblem(
  signed: Signed<FreezeAction>,
  ctx: { trust: TrustSnapshot; operatorGroups: string[]; inForceIssuedAt?: string },
): string | undefined {
  const action = signed?.payload;
  if (action?.kind !== 'freeze') return 'not a signed freeze action';
  const signature = signatureProblem(signed, ctx.trust);
  if (signature) return signature;
  const principal = ctx.trust.principals.find((p) => p.id === action.actor);
  if (!principal?.groups.some((g) => ctx.operatorGroups.includes(g)))
    return `${action.actor} is not an operator (${ctx.operatorGroups.join(', ') || 'no operator groups'})`;
  const issued = Date.parse(action.issuedAt);
  if (Number.isNaN(issued)) return `issuedAt ${action.issuedAt} is not an ISO-8601 time`;
  if (ctx.inForceIssuedAt !== undefined && !(issued > Date.parse(ctx.inForceIssuedAt)))
    return `this ${action.frozen ? 'freeze' : 'unfreeze'} was issued at ${action.issuedAt}, not after the freeze action in force (${ctx.inForceIssuedAt})`;
  return undefined;
}

/**
 * The check every promotion has made of a forwarded freeze since before signed starts: a valid
 * signature by an operator. A refusal is recorded as `security.refused` (signed promotions check
 * `freezeProblem` first, which records it as a bounded refusal instead).
 */
export function freezeSignalProblem(
  signed: Signed<FreezeAction>,
  ctx: { trust: TrustSnapshot; operatorGroups: string[] },
): string | undefined {
  const action = signed.payload;
  return (
    signatureProblem(signed, ctx.trust) ??
    (action.kind !== 'freeze' ? 'not a freeze action' : undefined) ??
    (inGroups(ctx.trust, action.actor, ctx.operatorGroups) ? undefined : `${action.actor} is not an operator`)
  );
}
