import type { z } from 'zod';
import type { Threshold } from './config.js';
import type { MetricJudgement, Verdict } from './types.js';
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
