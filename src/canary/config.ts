import { z } from 'zod';
import { Duration } from '../domain/common.js';

export const Threshold = z.strictObject({
  metric: z
    .enum(['error-rate', 'latency-p50', 'latency-p90', 'latency-p99', 'request-rate', 'custom'])
    .describe('the metric to judge'),
  query: z
    .string()
    .optional()
    .describe(
      'PromQL for custom (or to override a built-in query with the Prometheus provider); one number; {app}, {stage}, {version}, {baseline} and {range} are substituted',
    ),
  max: z.number().optional().describe('the canary fails above this value'),
  min: z.number().optional().describe('the canary fails below this value'),
});

export const CanaryStep = z.strictObject({
  weight: z.number().int().min(0).max(100).describe('percent of traffic the canary gets'),
  bake: Duration.describe('how long the canary bakes at this weight before it is analysed'),
});

export const CanaryConfig = z
  .strictObject({
    steps: z.array(CanaryStep).min(1).describe('traffic steps, each baked and analysed'),
    metrics: z
      .discriminatedUnion('provider', [
        z.strictObject({ provider: z.literal('built-in').describe("the local target's router metrics") }),
        z.strictObject({
          provider: z.literal('prometheus').describe('a Prometheus server'),
          url: z.url().describe('base URL of the Prometheus server'),
          timeout: Duration.default('10s').describe('longest a query may take'),
        }),
      ])
      .default({ provider: 'built-in' })
      .describe('where metrics come from'),
    thresholds: z
      .array(Threshold)
      .default([{ metric: 'error-rate', max: 0.05 }])
      .describe('limits the canary must stay within'),
    compareToBaseline: z
      .strictObject({
        enabled: z.boolean().default(true).describe('compare canary latency with the baseline'),
        alpha: z.number().gt(0).lt(1).default(0.05).describe('significance level of the Mann-Whitney U test'),
        maxLatencyShiftMs: z
          .number()
          .nonnegative()
          .default(50)
          .describe('largest tolerated Hodges-Lehmann shift of canary latency over baseline, in ms'),
      })
      .default({ enabled: true, alpha: 0.05, maxLatencyShiftMs: 50 })
      .describe('canary vs baseline comparison (Mann-Whitney U on latency samples)'),
    minSamples: z
      .number()
      .int()
      .positive()
      .default(50)
      .describe('fewer requests than this make an analysis inconclusive'),
    onInconclusive: z
      .enum(['ask', 'rollback'])
      .default('ask')
      .describe('what to do with an inconclusive analysis: ask a human (default) or roll back'),
  })
  .describe('canary analysis: traffic steps, metrics and thresholds');
export type CanaryConfig = z.infer<typeof CanaryConfig>;
