import type { z } from 'zod';
import type { CanaryConfig, Threshold } from './config.js';
import type { MetricJudgement, Verdict } from './types.js';
import { hodgesLehmann, mannWhitneyU } from './statistics.js';
import type { VersionMeasurements } from './providers/provider.js';

type ThresholdSpec = z.infer<typeof Threshold>;

const round = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : v);
const shown = (v: number) => (Number.isFinite(v) ? String(round(v)) : String(v));

/** `value` judged against min/max. NaN and infinities never pass: there is nothing to compare. */
export function judgeValue(
  name: string,
  value: number,
  threshold: Pick<ThresholdSpec, 'min' | 'max'>,
  samples?: MetricJudgement['samples'],
  unit = '',
): MetricJudgement {
  const base = {
    name,
    canary: Number.isFinite(value) ? round(value) : null,
    threshold: {
      ...(threshold.min !== undefined ? { min: threshold.min } : {}),
      ...(threshold.max !== undefined ? { max: threshold.max } : {}),
    },
    ...(samples ? { samples } : {}),
  };
  if (threshold.min === undefined && threshold.max === undefined) {
    return {
      ...base,
      verdict: 'inconclusive',
      reason: `${name} has neither min nor max in canary.thresholds: set one`,
    };
  }
  if (!Number.isFinite(value))
    return { ...base, verdict: 'inconclusive', reason: `${name} is ${value}: no data to judge` };
  if (threshold.max !== undefined && value > threshold.max) {
    return {
      ...base,
      verdict: 'fail',
      reason: `${name} ${shown(value)}${unit} is above the maximum ${threshold.max}`,
    };
  }
  if (threshold.min !== undefined && value < threshold.min) {
    return {
      ...base,
      verdict: 'fail',
      reason: `${name} ${shown(value)}${unit} is below the minimum ${threshold.min}`,
    };
  }
  return {
    ...base,
    verdict: 'pass',
    reason: `${name} ${shown(value)}${unit} is within ${describeBounds(threshold)}`,
  };
}

function describeBounds(t: Pick<ThresholdSpec, 'min' | 'max'>): string {
  if (t.min !== undefined && t.max !== undefined) return `[${t.min}, ${t.max}]`;
  return t.max !== undefined ? `the maximum ${t.max}` : `the minimum ${t.min}`;
}

export function inconclusive(
  name: string,
  reason: string,
  samples?: MetricJudgement['samples'],
): MetricJudgement {
  return { name, verdict: 'inconclusive', canary: null, reason, ...(samples ? { samples } : {}) };
}

/** The canary received enough requests for anything measured from them to mean something. */
export function judgeSampleCount(canary: VersionMeasurements, minSamples: number): MetricJudgement {
  const samples = { canary: canary.requests };
  if (canary.requests < minSamples) {
    return {
      ...inconclusive(
        'sample-count',
        `the canary received ${shown(canary.requests)} requests in the window, fewer than minSamples ${minSamples}: raise the step's weight, its bake or the traffic`,
        samples,
      ),
      canary: round(canary.requests),
      threshold: { min: minSamples },
    };
  }
  return {
    name: 'sample-count',
    verdict: 'pass',
    canary: round(canary.requests),
    threshold: { min: minSamples },
    samples,
    reason: `the canary received ${shown(canary.requests)} requests (minSamples ${minSamples})`,
  };
}

const QUANTILE_OF = { 'latency-p50': 'p50', 'latency-p90': 'p90', 'latency-p99': 'p99' } as const;

/** A threshold on one of the measured metrics (not `custom`, which needs a query). */
export function judgeMeasuredThreshold(
  threshold: ThresholdSpec,
  canary: VersionMeasurements,
  minSamples: number,
  windowSeconds: number,
): MetricJudgement {
  const metric = threshold.metric;
  if (metric === 'request-rate') {
    if (windowSeconds <= 0)
      return inconclusive(metric, 'the analysis window is empty (its end is not after its start)');
    return judgeValue(metric, canary.requests / windowSeconds, threshold, { canary: canary.requests });
  }
  if (metric === 'error-rate') {
    const samples = { canary: canary.requests };
    if (canary.requests < minSamples) {
      return inconclusive(
        metric,
        `only ${shown(canary.requests)} canary requests, fewer than minSamples ${minSamples}`,
        samples,
      );
    }
    return judgeValue(metric, canary.errors / canary.requests, threshold, samples);
  }
  if (metric === 'custom') return inconclusive(metric, 'custom thresholds need a query');
  const samples = { canary: canary.latency.n };
  if (canary.latency.n < minSamples) {
    return inconclusive(
      metric,
      `only ${canary.latency.n} successful canary responses, fewer than minSamples ${minSamples}`,
      samples,
    );
  }
  return judgeValue(metric, canary.latencyQuantilesMs[QUANTILE_OF[metric]], threshold, samples, ' ms');
}

/**
 * Kayenta-style comparison of canary and baseline latency: a Mann-Whitney U test says whether the
 * two differ at all, the Hodges-Lehmann estimate says by how much. The canary fails only when it
 * is significantly slower AND slower by more than the tolerated shift, so a statistically real but
 * harmless difference of a millisecond never blocks a release.
 */
export function judgeLatencyComparison(
  canary: VersionMeasurements,
  baseline: VersionMeasurements,
  settings: CanaryConfig['compareToBaseline'],
  minSamples: number,
): MetricJudgement {
  const name = 'latency-vs-baseline';
  const samples = { canary: canary.latency.n, baseline: baseline.latency.n };
  if (canary.latency.n < minSamples || baseline.latency.n < minSamples) {
    return {
      ...inconclusive(
        name,
        `too few successful responses to compare (canary ${canary.latency.n}, baseline ${baseline.latency.n}; minSamples ${minSamples})`,
        samples,
      ),
      baseline: null,
    };
  }
  const test = mannWhitneyU(canary.latency, baseline.latency, { alternative: 'two-sided', continuity: true });
  const shift = hodgesLehmann(canary.latency, baseline.latency);
  const result = {
    name,
    canary: round(canary.latencyQuantilesMs.p50),
    baseline: round(baseline.latencyQuantilesMs.p50),
    threshold: { max: settings.maxLatencyShiftMs },
    samples,
    comparison: {
      u: test.u,
      pValue: Number.isNaN(test.pValue) ? 1 : test.pValue,
      hodgesLehmannShift: round(shift),
      alpha: settings.alpha,
    },
  };
  const stats = `Mann-Whitney p=${shown(test.pValue)}, Hodges-Lehmann shift ${shown(shift)} ms`;
  if (Number.isNaN(test.pValue)) {
    // Only when every latency on both sides is the same value (e.g. one histogram bucket).
    return {
      ...result,
      verdict: 'pass',
      reason: `canary and baseline latencies are identical at the measurement's resolution (${stats})`,
    };
  }
  const significant = test.pValue < settings.alpha;
  const tooSlow = shift > settings.maxLatencyShiftMs;
  if (significant && tooSlow) {
    return {
      ...result,
      verdict: 'fail',
      reason: `canary latency is higher than baseline's (${stats}, alpha ${settings.alpha}, tolerated shift ${settings.maxLatencyShiftMs} ms)`,
    };
  }
  const why = !significant
    ? `no significant difference at alpha ${settings.alpha}`
    : `shift within the tolerated ${settings.maxLatencyShiftMs} ms`;
  return { ...result, verdict: 'pass', reason: `${why} (${stats})` };
}

/** Any fail fails the step; otherwise anything inconclusive makes it inconclusive. */
export function overallVerdict(
  judgements: MetricJudgement[],
  notes: string[],
): { verdict: Verdict; reason: string } {
  const failed = judgements.filter((j) => j.verdict === 'fail');
  const unsure = judgements.filter((j) => j.verdict === 'inconclusive');
  const suffix = notes.length ? `; ${notes.join('; ')}` : '';
  if (failed.length)
    return { verdict: 'fail', reason: failed.map((j) => `${j.name}: ${j.reason}`).join('; ') + suffix };
  if (unsure.length)
    return {
      verdict: 'inconclusive',
      reason: unsure.map((j) => `${j.name}: ${j.reason}`).join('; ') + suffix,
    };
  return { verdict: 'pass', reason: `all ${judgements.length} judgements passed${suffix}` };
}
