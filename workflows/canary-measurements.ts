/**
 * Tallying a step's repeated measurements into the step's verdict (Argo Rollouts' failureLimit,
 * inconclusiveLimit and consecutiveErrorLimit). Pure, so it is table-tested without a server and
 * runs unchanged inside the workflow sandbox.
 */
import type { Measurements } from '../src/canary/config.js';
import type { AnalysisResult, Verdict } from '../src/canary/types.js';

export interface Tally {
  taken: number;
  passed: number;
  failed: number;
  inconclusive: number;
  /** Provider errors since the last measurement that got an answer. */
  consecutiveErrors: number;
}

export const EMPTY_TALLY: Tally = { taken: 0, passed: 0, failed: 0, inconclusive: 0, consecutiveErrors: 0 };

export interface StepDecision {
  verdict: Verdict;
  reason: string;
}

/** Adds one measurement; returns the step's decision as soon as one is reached. */
export function addMeasurement(
  policy: Pick<Measurements, 'failureLimit' | 'inconclusiveLimit' | 'consecutiveErrorLimit'>,
  tally: Tally,
  analysis: Pick<AnalysisResult, 'verdict' | 'reason' | 'providerError'>,
): { tally: Tally; decision?: StepDecision } {
  const next = { ...tally, taken: tally.taken + 1 };
  if (analysis.providerError !== undefined) {
    next.consecutiveErrors++;
    if (next.consecutiveErrors > policy.consecutiveErrorLimit)
      return {
        tally: next,
        decision: {
          verdict: 'inconclusive',
          reason: `${next.consecutiveErrors} measurements in a row had no answer from the provider (consecutiveErrorLimit ${policy.consecutiveErrorLimit}): ${analysis.reason}`,
        },
      };
    return { tally: next };
  }
  next.consecutiveErrors = 0;
  if (analysis.verdict === 'pass') next.passed++;
  if (analysis.verdict === 'fail') {
    next.failed++;
    if (next.failed > policy.failureLimit)
      return {
        tally: next,
        decision: {
          verdict: 'fail',
          reason: `${next.failed} of ${next.taken} measurements failed (failureLimit ${policy.failureLimit}): ${analysis.reason}`,
        },
      };
  }
  if (analysis.verdict === 'inconclusive') {
    next.inconclusive++;
    if (next.inconclusive > policy.inconclusiveLimit)
      return {
        tally: next,
        decision: {
          verdict: 'inconclusive',
          reason: `${next.inconclusive} of ${next.taken} measurements were inconclusive (inconclusiveLimit ${policy.inconclusiveLimit}): ${analysis.reason}`,
        },
      };
  }
  return { tally: next };
}

/** The step's verdict once its measurements are done (or cut short by promote-now) without a decision. */
export function concludeMeasurements(tally: Tally): StepDecision {
  const counts = `${tally.passed} passed, ${tally.failed} failed, ${tally.inconclusive} inconclusive of ${tally.taken} measurements`;
  if (tally.passed === 0) return { verdict: 'inconclusive', reason: `no measurement passed (${counts})` };
  return { verdict: 'pass', reason: `within the limits: ${counts}` };
}
