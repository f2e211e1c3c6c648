import type { CanaryConfig } from './config.js';
import { judgeErrorRateComparison, judgeLatencyShift, judgeTailLatency } from './comparisons.js';
import { judgeMeasuredThreshold, judgeSampleCount, overallVerdict } from './judgements.js';
import type { VersionMeasurements } from './providers/provider.js';
import type { MetricJudgement, Verdict } from './types.js';

/** Judges a threshold that has a query: live by the analyzer, from the record by a backtest. */
export type QueriedJudge = (
  threshold: CanaryConfig['thresholds'][number],
  query: string,
) => Promise<MetricJudgement[]>;

/**
 * One step's verdict from its measurements under a template: minimum samples, every threshold
 * and the comparisons with the baseline (skipped, with a note, where they cannot apply).
 */
export async function judge(
  config: Pick<CanaryConfig, 'thresholds' | 'compareToBaseline' | 'minSamples'>,
  measured: { canary: VersionMeasurements; baseline?: VersionMeasurements },
  step: { weight: number; windowSeconds: number },
  queried: QueriedJudge,
): Promise<{ verdict: Verdict; reason: string; metrics: MetricJudgement[] }> {
  const { canary, baseline } = measured;
  const metrics: MetricJudgement[] = [judgeSampleCount(canary, config.minSamples)];
  for (const threshold of config.thresholds) {
    if (threshold.query !== undefined) metrics.push(...(await queried(threshold, threshold.query)));
    else metrics.push(judgeMeasuredThreshold(threshold, canary, config.minSamples, step.windowSeconds));
  }
  const notes: string[] = [];
  if (!config.compareToBaseline.enabled) notes.push('comparison to baseline disabled');
  else if (!baseline)
    notes.push('comparison to baseline skipped: no stable version serves beside the canary');
  else if (step.weight >= 100)
    notes.push('comparison to baseline skipped: at 100% the baseline receives no traffic');
  else
    for (const compare of [judgeLatencyShift, judgeTailLatency, judgeErrorRateComparison])
      metrics.push(compare(canary, baseline, config.compareToBaseline, config.minSamples));
  return { ...overallVerdict(metrics, notes), metrics };
}
