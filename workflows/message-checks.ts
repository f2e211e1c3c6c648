/**
 * Checks of the messages that change a running promotion from outside (freeze, supersede):
 * pure functions over the promotion's own trust, run in the workflow sandbox.
 */
import type { FreezeAction, Signed, StartAction, TrustSnapshot } from '../src/approvals/actions.js';
import { signatureProblem } from '../src/approvals/verify.js';

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

export interface SupersededMessage {
  by: string;
  /** The superseding promotion's signed start, forwarded by the stage lock. */
  start?: Signed<StartAction>;
}

/**
 * Why a supersede notice must be ignored. A promotion is superseded only by a newer promotion
 * of the same app through the same pipeline whose conflict rule is `supersede`: the notice must
 * carry that promotion's start, signed by a principal this promotion trusts.
 */
export function supersedeProblem(
  message: SupersededMessage,
  ctx: {
    trust: TrustSnapshot;
    app: string;
    pipeline: string;
    onConflict: string;
    start: Signed<StartAction>;
  },
): string | undefined {
  const start = message?.start;
  if (!start?.payload || start.payload.kind !== 'start')
    return 'the supersede notice carries no signed start of the superseding promotion';
  const signature = signatureProblem(start, ctx.trust);
  if (signature) return `the superseding start: ${signature}`;
  const other = start.payload;
  if (other.promotionId !== message.by)
    return `the notice names ${message.by}, its start ${other.promotionId}`;
  if (other.app !== ctx.app || other.pipeline !== ctx.pipeline)
    return `promotion ${other.promotionId} is of ${other.app} through ${other.pipeline}, not ${ctx.app} through ${ctx.pipeline}`;
  if (ctx.onConflict !== 'supersede')
    return `pipeline ${ctx.pipeline} does not supersede (onConflict: ${ctx.onConflict})`;
  if (!(Date.parse(other.issuedAt) > Date.parse(ctx.start.payload.issuedAt)))
    return `promotion ${other.promotionId} was started before this one`;
  return undefined;
}
