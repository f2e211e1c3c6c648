import { z } from 'zod';
import { Duration } from '../domain/common.js';

export const Threshold = z.object({
  metric: z.enum(['error-rate', 'latency-p50', 'latency-p90', 'latency-p99', 'request-rate', 'custom']),
  /**
   * PromQL for `custom` (and to override the built-in queries with the Prometheus provider). It
   * must yield one number; {app}, {stage}, {version} (the canary), {baseline} and {range} (the
   * bake window, e.g. `30s`) are substituted.
   */
  query: z.string().optional(),
  max: z.number().optional(),
  min: z.number().optional(),
});

export const CanaryStep = z.object({
  weight: z.number().int().min(0).max(100),
  bake: Duration,
});

export const CanaryConfig = z.object({
  steps: z.array(CanaryStep).min(1),
  metrics: z
    .discriminatedUnion('provider', [
      z.object({ provider: z.literal('built-in') }),
      z.object({
        provider: z.literal('prometheus'),
        url: z.string().url(),
        timeout: Duration.default('10s'),
      }),
    ])
    .default({ provider: 'built-in' }),
  thresholds: z.array(Threshold).default([{ metric: 'error-rate', max: 0.05 }]),
  /** Canary vs baseline comparison (Mann-Whitney U on latency samples). */
  compareToBaseline: z
    .object({
      enabled: z.boolean().default(true),
      alpha: z.number().gt(0).lt(1).default(0.05),
      /** Largest tolerated Hodges-Lehmann shift of canary latency over baseline, in ms. */
      maxLatencyShiftMs: z.number().nonnegative().default(50),
    })
    .default({ enabled: true, alpha: 0.05, maxLatencyShiftMs: 50 }),
  minSamples: z.number().int().positive().default(50),
  /** What to do with an inconclusive analysis: ask a human (default) or roll back. */
  onInconclusive: z.enum(['ask', 'rollback']).default('ask'),
});
export type CanaryConfig = z.infer<typeof CanaryConfig>;
