/**
 * Who may send which control to a running promotion, and when: pure, unit-tested without a
 * server, and used by the `control` update validator and handler.
 */
import type { ControlAction, Signed, TrustSnapshot } from '../src/approvals/actions.js';
import { signatureProblem } from '../src/approvals/verify.js';
import { canaryDecisionProblem } from './canary-decision.js';
import { inGroups } from './principals.js';
import type { Gate, PromotionStatus, StageState } from './types.js';

export interface ControlContext {
  promotionId: string;
  trust: TrustSnapshot;
  requester: string;
  operatorGroups: string[];
  status: PromotionStatus;
  gate?: Gate;
  paused: boolean;
  /** An abort (or supersede) is already under way. */
  aborting: boolean;
  /** The stage the promotion is at: its approver groups and its live state. */
  current?: { approverGroups: string[]; state: StageState };
}

/** Why a control must be refused, or undefined when it may be applied. */
export function controlProblem(signed: Signed<ControlAction>, ctx: ControlContext): string | undefined {
  const action = signed.payload;
  const signature = signatureProblem(signed, ctx.trust);
  if (signature) return signature;
  if (action.kind !== 'control' || action.promotionId !== ctx.promotionId)
    return `control action is for promotion ${action.promotionId}, not ${ctx.promotionId}`;
  if (ctx.status !== 'running') return `promotion already ended (${ctx.status})`;
  const operator = inGroups(ctx.trust, action.actor, ctx.operatorGroups);
  const approver = ctx.current ? inGroups(ctx.trust, action.actor, ctx.current.approverGroups) : false;
  const requester = action.actor === ctx.requester;
  switch (action.command) {
    case 'pause':
    case 'resume':
    case 'abort':
      if (!operator && !requester)
        return `${action.actor} may not ${action.command}: not the requester nor an operator`;
      if (action.command === 'pause' && ctx.paused) return 'promotion is already paused';
      if (action.command === 'resume' && !ctx.paused) return 'promotion is not paused';
      if (action.command === 'abort' && ctx.aborting) return 'promotion is already being aborted';
      return undefined;
    case 'promote-now':
      if (!operator) return `${action.actor} may not promote-now: only operators may skip a bake`;
      if (ctx.gate !== 'canary') return 'promote-now only applies while a canary is baking';
      return undefined;
    case 'continue':
    case 'rollback':
      if (!operator && !approver)
        return `${action.actor} may not decide on the canary: not an approver of this stage`;
      if (requester)
        return `segregation of duties: ${action.actor} requested this release and cannot decide on its canary`;
      if (!ctx.current?.state.canary?.awaitingDecision)
        return 'no inconclusive canary analysis is waiting for a decision';
      return canaryDecisionProblem(action, ctx.current.state);
  }
  return undefined;
}
