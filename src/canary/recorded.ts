import { z } from 'zod';
import type { VersionMeasurements } from './providers/provider.js';
import { distributionOfWeighted, quantile } from './statistics.js';

/**
 * What an analysis measured for one version, kept with its verdict so `tollgate canary backtest`
 * can judge it again with another template. Latencies are kept as (value, count) pairs rounded to
 * three significant digits: a bake's worth of requests stays a few kilobytes in the workflow
 * history and the ledger, and a re-judged interval moves by at most that rounding.
 */
export const RecordedMeasurements = z.object({
  requests: z.number(),
  errors: z.number(),
  latency: z.object({ values: z.array(z.number()), counts: z.array(z.number()) }),
  latencyTopBucketMs: z.number().optional(),
});
export type RecordedMeasurements = z.infer<typeof RecordedMeasurements>;

export function recordMeasurements(m: VersionMeasurements): RecordedMeasurements {
  const counts = new Map<number, number>();
  m.latency.values.forEach((v, i) => {
    const key = Number(v.toPrecision(3));
    counts.set(key, (counts.get(key) ?? 0) + m.latency.weights[i]!);
  });
  return {
    requests: m.requests,
    errors: m.errors,
    latency: { values: [...counts.keys()], counts: [...counts.values()] },
    ...(m.latencyTopBucketMs !== undefined ? { latencyTopBucketMs: m.latencyTopBucketMs } : {}),
  };
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
