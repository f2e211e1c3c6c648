/**
 * A canary decision (continue or rollback) answers one inconclusive analysis: the one shown to
 * the person, at a stage and canary step. A decision bound to another stage or step is stale or
 * misdirected, and is refused like any other refused control (and recorded).
 */
import type { ControlAction } from '../src/approvals/actions.js';
import type { StageState } from './types.js';

export function canaryDecisionProblem(action: ControlAction, waiting: StageState): string | undefined {
  const step = waiting.canary?.step;
  if (action.stage !== undefined && action.stage !== waiting.name)
    return `the canary decision is for stage ${action.stage}, but the inconclusive canary waiting is at ${waiting.name}`;
  if (action.step !== undefined && action.step !== step)
    return `the canary decision answers step ${action.step}, but the analysis waiting at ${waiting.name} is step ${step ?? 'none'}: look at the promotion again and decide on the current step`;
  return undefined;
}
