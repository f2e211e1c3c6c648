/**
 * Canary against baseline, each decided on a confidence interval against a tolerance: the
 * Hodges-Lehmann latency shift, a tail quantile of latency and the error rate. Degenerate
 * baselines (all zero, saturated in the histogram's top bucket) are inconclusive, named as such.
 */
import type { CanaryConfig } from './config.js';
import {
  allowedBy,
  comparisonRecord,
  decide,
  describeInterval,
  verdictPhrase,
  type BoundedInterval,
} from './decision.js';
import type { VersionMeasurements } from './providers/provider.js';
import { proportionDifference } from './proportions.js';
import { quantileInterval } from './quantile-interval.js';
import { AllTiedError, shiftInterval } from './shift-interval.js';
import { quantile } from './statistics.js';
import type { MetricJudgement } from './types.js';

type Settings = CanaryConfig['compareToBaseline'];
const round = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : null);

function tooFew(
  name: string,
  canary: number,
  baseline: number,
  minSamples: number,
  what: string,
): MetricJudgement | undefined {
  if (canary >= minSamples && baseline >= minSamples) return undefined;
  return {
    name,
    verdict: 'inconclusive',
    canary: null,
    baseline: null,
    samples: { canary, baseline },
    reason: `too few ${what} to compare (canary ${canary}, baseline ${baseline}; minSamples ${minSamples})`,
  };
}

/** Requests above the top finite histogram bucket are only known to be slower than it. */
const censored = (m: VersionMeasurements, value: number) =>
  m.latencyTopBucketMs !== undefined && value > m.latencyTopBucketMs;

function degenerateBaseline(name: string, baseline: VersionMeasurements, statistic: number, label: string) {
  const l = baseline.latency;
  if (l.values.length === 1 && l.values[0] === 0)
    return `degenerate baseline: all ${l.n} baseline latencies are 0, so no shift can be measured against it`;
  if (censored(baseline, statistic))
    return `degenerate baseline: the baseline's ${label} is saturated in the histogram's +Inf bucket (above ${baseline.latencyTopBucketMs} ms), so ${name} cannot be measured: add buckets above it`;
  return undefined;
}

function judged(
  name: string,
  canaryValue: number,
  baselineValue: number,
  samples: { canary: number; baseline: number },
  comparison: ReturnType<typeof comparisonRecord>,
  interval: BoundedInterval,
  verdict: MetricJudgement['verdict'],
  what: string,
): MetricJudgement {
  return {
    name,
    verdict,
    canary: round(canaryValue),
    baseline: round(baselineValue),
    samples,
    comparison,
    reason: `${what} ${verdictPhrase(verdict, interval)} (${describeInterval(comparison)}, ${comparison.test})`,
  };
}

/** The shift of the whole latency distribution, relative to the baseline median. */
export function judgeLatencyShift(
  canary: VersionMeasurements,
  baseline: VersionMeasurements,
  settings: Settings,
  minSamples: number,
): MetricJudgement {
  const name = 'latency-vs-baseline';
  const samples = { canary: canary.latency.n, baseline: baseline.latency.n };
  const few = tooFew(name, samples.canary, samples.baseline, minSamples, 'successful responses');
  if (few) return few;
  const baselineMedian = quantile(baseline.latency, 0.5);
  const degenerate = degenerateBaseline(name, baseline, baselineMedian, 'median');
  if (degenerate)
    return { name, verdict: 'inconclusive', canary: null, baseline: null, samples, reason: degenerate };
  const tolerance = settings.latency.tolerance;
  const allowed = allowedBy(tolerance, baselineMedian);
  let interval: BoundedInterval;
  let test: 'wilcoxon-exact' | 'wilcoxon-normal' = 'wilcoxon-normal';
  let extra: { pValue?: number; u?: number } = {};
  try {
    const s = shiftInterval(canary.latency, baseline.latency, settings.confidence);
    // A request in the +Inf bucket is placed just above the top bound: its differences are only
    // lower bounds, so the side they push can no longer be trusted.
    const canaryCensored = censored(canary, canary.latency.values.at(-1)!);
    const baselineCensored = censored(baseline, baseline.latency.values.at(-1)!);
    interval = {
      ...s,
      lowerBounded: s.lowerBounded && !baselineCensored,
      upperBounded: s.upperBounded && !canaryCensored,
    };
    test = s.method === 'exact' ? 'wilcoxon-exact' : 'wilcoxon-normal';
    extra = { pValue: s.pValue, u: s.u };
  } catch (err) {
    if (!(err instanceof AllTiedError)) throw err;
    // Every latency on both sides is the same value: no shift at the measurement's resolution.
    interval = { estimate: 0, lower: 0, upper: 0, lowerBounded: true, upperBounded: true };
  }
  const comparison = comparisonRecord(
    test,
    interval,
    settings.confidence,
    tolerance,
    allowed,
    'increase',
    'ms',
    extra,
  );
  const verdict = decide(interval, allowed, 'increase');
  return judged(
    name,
    quantile(canary.latency, 0.5),
    baselineMedian,
    samples,
    comparison,
    interval,
    verdict,
    'latency shift over baseline',
  );
}

/**
 * A high quantile of latency: a slow fraction of requests moves it even when the median stays.
 * Each side's interval has confidence 1 − α/2, so their difference keeps at least 1 − α.
 */
export function judgeTailLatency(
  canary: VersionMeasurements,
  baseline: VersionMeasurements,
  settings: Settings,
  minSamples: number,
): MetricJudgement {
  const q = settings.tail.quantile;
  const name = `latency-p${Math.round(q * 1000) / 10}-vs-baseline`;
  const samples = { canary: canary.latency.n, baseline: baseline.latency.n };
  const few = tooFew(name, samples.canary, samples.baseline, minSamples, 'successful responses');
  if (few) return few;
  const each = 1 - (1 - settings.confidence) / 2;
  const c = quantileInterval(canary.latency, q, each);
  const b = quantileInterval(baseline.latency, q, each);
  const degenerate = degenerateBaseline(name, baseline, b.estimate, `p${q * 100}`);
  if (degenerate)
    return { name, verdict: 'inconclusive', canary: null, baseline: null, samples, reason: degenerate };
  const interval: BoundedInterval = {
    estimate: c.estimate - b.estimate,
    lower: c.lower - b.upper,
    upper: c.upper - b.lower,
    lowerBounded: c.lowerBounded && b.upperBounded && !censored(baseline, b.upper),
    upperBounded: c.upperBounded && b.lowerBounded && !censored(canary, c.upper),
  };
  const tolerance = settings.tail.tolerance;
  const allowed = allowedBy(tolerance, b.estimate);
  const comparison = comparisonRecord(
    'quantile-order-statistics',
    interval,
    settings.confidence,
    tolerance,
    allowed,
    'increase',
    'ms',
  );
  const verdict = decide(interval, allowed, 'increase');
  return judged(
    name,
    c.estimate,
    b.estimate,
    samples,
    comparison,
    interval,
    verdict,
    `p${q * 100} latency over baseline`,
  );
}

/** Canary error rate minus the baseline's: a rise from 0.1 % to 4 % fails even under a 5 % maximum. */
export function judgeErrorRateComparison(
  canary: VersionMeasurements,
  baseline: VersionMeasurements,
  settings: Settings,
  minSamples: number,
): MetricJudgement {
  const name = 'error-rate-vs-baseline';
  const samples = { canary: canary.requests, baseline: baseline.requests };
  const few = tooFew(name, samples.canary, samples.baseline, minSamples, 'requests');
  if (few) return few;
  const d = proportionDifference(
    canary.errors,
    canary.requests,
    baseline.errors,
    baseline.requests,
    settings.confidence,
  );
  const interval: BoundedInterval = { ...d, lowerBounded: true, upperBounded: true };
  const baselineRate = baseline.errors / baseline.requests;
  const tolerance = settings.errorRate.tolerance;
  const allowed = allowedBy(tolerance, baselineRate);
  const comparison = comparisonRecord(
    'newcombe-wilson',
    interval,
    settings.confidence,
    tolerance,
    allowed,
    'increase',
    '',
  );
  const verdict = decide(interval, allowed, 'increase');
  return judged(
    name,
    canary.errors / canary.requests,
    baselineRate,
    samples,
    comparison,
    interval,
    verdict,
    'error rate over baseline',
  );
}
