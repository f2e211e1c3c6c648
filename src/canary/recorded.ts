import { z } from 'zod';
import type { VersionMeasurements } from './providers/provider.js';
import { distributionOfWeighted, quantile } from './statistics.js';

/**
 * What an analysis measured for one version, kept with its verdict so `tollgate canary backtest`
 * can judge it again with another template. Latencies are kept as (value, count) pairs, raw
 * samples rounded to three significant digits: a bake's worth of requests stays a few kilobytes
 * in the workflow history and the ledger, and a re-judged interval moves by at most that rounding.
 */
export const RecordedMeasurements = z.object({
  requests: z.number(),
  errors: z.number(),
  latency: z.object({ values: z.array(z.number()), counts: z.array(z.number()) }),
  latencyTopBucketMs: z.number().optional(),
});
export type RecordedMeasurements = z.infer<typeof RecordedMeasurements>;

export function recordMeasurements(m: VersionMeasurements): RecordedMeasurements {
  const values: number[] = [];
  const counts: number[] = [];
  // Values come sorted, so rounded ones are too: equal neighbours merge without a map. Histogram
  // bounds are few already and stay exact, so the +Inf bucket stays above the top bound.
  const round = m.latencyTopBucketMs === undefined ? threeDigits : (v: number) => v;
  m.latency.values.forEach((v, i) => {
    const rounded = round(v);
    if (values.length > 0 && values[values.length - 1] === rounded)
      counts[counts.length - 1]! += m.latency.weights[i]!;
    else {
      values.push(rounded);
      counts.push(m.latency.weights[i]!);
    }
  });
  return {
    requests: m.requests,
    errors: m.errors,
    latency: { values, counts },
    ...(m.latencyTopBucketMs !== undefined ? { latencyTopBucketMs: m.latencyTopBucketMs } : {}),
  };
}

/** v to three significant digits (toPrecision's rounding without its string, which costs 5× more). */
function threeDigits(v: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const scale = 10 ** (2 - Math.floor(Math.log10(Math.abs(v))));
  return Math.round(v * scale) / scale;
}

export function measurementsFromRecord(version: string, r: RecordedMeasurements): VersionMeasurements {
  const latency = distributionOfWeighted(r.latency.values.map((v, i) => [v, r.latency.counts[i]!] as const));
  return {
    version,
    requests: r.requests,
    errors: r.errors,
    latency,
    latencyQuantilesMs: {
      p50: quantile(latency, 0.5),
      p90: quantile(latency, 0.9),
      p99: quantile(latency, 0.99),
    },
    ...(r.latencyTopBucketMs !== undefined ? { latencyTopBucketMs: r.latencyTopBucketMs } : {}),
  };
}
