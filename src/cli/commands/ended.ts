import type { PromotionState } from '../../../workflows/types.js';

/**
 * A run terminated or timed out from outside never updates its own state or search attributes:
 * what Temporal says of the run's end wins over what the workflow last said. Keys are the
 * WorkflowExecutionStatus names and their numbers on the wire.
 */
const ENDED: Record<string, string> = {
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed-out',
  '5': 'terminated',
  '7': 'timed-out',
};

export function endedFromOutside(status: string | number | undefined): string | undefined {
  return status === undefined ? undefined : ENDED[String(status)];
}

/**
 * The state to show: the workflow's own, with Temporal's end where the run was ended from
 * outside (a status the workflow itself never reports, hence outside PromotionStatus).
 */
export function shownState(state: PromotionState, runStatus: string | number | undefined): PromotionState {
  const ended = endedFromOutside(runStatus);
  return ended ? ({ ...state, status: ended } as unknown as PromotionState) : state;
}
