import type { Direction, Tolerance } from './config.js';
import { allowedBy, comparisonRecord, decide, describeInterval } from './decision.js';
import { isProviderError, type MetricsProvider } from './providers/provider.js';
import type { MetricJudgement } from './types.js';

const round = (v: number) => Number(v.toPrecision(6));

/**
 * A custom query evaluated for the canary and for the baseline, compared in the metric's harmful
 * direction (a throughput drop fails a `decrease` metric). The query gives one number per version,
 * so there is no interval: the difference itself is held against the tolerance.
 */
export async function judgeQueriedComparison(
  provider: MetricsProvider,
  threshold: { metric: string },
  compare: { direction: Direction; tolerance: Tolerance },
  queries: { canary: string; baseline: string; at: string },
): Promise<MetricJudgement> {
  const name = `${threshold.metric}-vs-baseline`;
  const nothing = (reason: string): MetricJudgement => ({
    name,
    verdict: 'inconclusive',
    canary: null,
    reason,
  });
  if (!provider.query)
    return nothing(
      `comparisons of queried metrics need canary.metrics.provider "prometheus" (the ${provider.name} provider has no query language)`,
    );
  let canary: number;
  let baseline: number;
  try {
    [canary, baseline] = await Promise.all([
      provider.query(queries.canary, queries.at),
      provider.query(queries.baseline, queries.at),
    ]);
  } catch (err) {
    if (isProviderError(err)) return nothing(err.message);
    throw err;
  }
  for (const [side, value, query] of [
    ['canary', canary, queries.canary],
    ['baseline', baseline, queries.baseline],
  ] as const) {
    if (!Number.isFinite(value))
      return nothing(
        `${provider.name} provider answered ${value} for the ${side} (query ${JSON.stringify(query)}): nothing to compare`,
      );
  }
  const interval = {
    estimate: canary - baseline,
    lower: canary - baseline,
    upper: canary - baseline,
    lowerBounded: true,
    upperBounded: true,
  };
  const allowed = allowedBy(compare.tolerance, baseline);
  // Without an interval a point exactly on the tolerance passes: it is not beyond it.
  const verdict = decide(interval, allowed, compare.direction);
  const comparison = comparisonRecord(
    'point',
    interval,
    1,
    compare.tolerance,
    allowed,
    compare.direction,
    '',
  );
  const withoutInterval = { ...comparison };
  delete withoutInterval.interval;
  return {
    name,
    verdict,
    canary: round(canary),
    baseline: round(baseline),
    comparison: withoutInterval,
    reason: `${threshold.metric} ${verdict === 'fail' ? 'moved beyond the tolerance in the harmful direction' : 'within the tolerance'} (${describeInterval(withoutInterval)})`,
  };
}
