/**
 * Checks of the supersede notice that ends a running promotion from outside: a pure function
 * over the promotion's own trust, run in the workflow sandbox (freezes: freeze-rules.ts).
 */
import type { Signed, StartAction, TrustSnapshot } from '../src/approvals/actions.js';
import { signatureProblem } from '../src/approvals/verify.js';

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
