import { z } from 'zod';
import { Duration } from '../domain/common.js';

/**
 * Which way a metric moves when the canary is worse: latency and errors `increase`, throughput or
 * a success ratio `decrease`; `either` for a metric that must simply stay where it was.
 */
export const Direction = z
  .enum(['increase', 'decrease', 'either'])
  .describe('which way the metric moves when the canary is worse');
export type Direction = z.infer<typeof Direction>;

/**
 * How far the canary may move from the baseline in the harmful direction: a `ratio` of the
 * baseline's value (0.2 = 20 % of its median) and/or an `absolute` amount in the metric's unit
 * (ms, or a fraction for error rates). With both, the larger is allowed, so the absolute part is a
 * floor where a ratio of a tiny baseline would be noise (a 2 ms service, an error-free baseline).
 */
export const Tolerance = z
  .strictObject({
    ratio: z
      .number()
      .nonnegative()
      .optional()
      .describe("allowed move as a ratio of the baseline's value (0.2 = 20 %)"),
    absolute: z
      .number()
      .nonnegative()
      .optional()
      .describe("allowed move in the metric's unit (ms, or a fraction for error rates)"),
  })
  .refine((t) => t.ratio !== undefined || t.absolute !== undefined, {
    message: 'a tolerance needs ratio (of the baseline) and/or absolute',
  })
  .describe('how far the canary may move from the baseline; with both, the larger applies');
export type Tolerance = z.infer<typeof Tolerance>;

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
  /**
   * Also compare with the baseline: the query is evaluated a second time with {version} set to the
   * baseline version, and the canary fails when it moved beyond `tolerance` in `direction`.
   */
  compare: z
    .strictObject({ direction: Direction, tolerance: Tolerance })
    .optional()
    .describe('also compare with the baseline version, failing on a move beyond the tolerance'),
});

export const CanaryStep = z.strictObject({
  weight: z.number().int().min(0).max(100).describe('percent of traffic the canary gets'),
  bake: Duration.describe('how long the canary bakes at this weight before it is analysed'),
});

/** Defaults chosen so the default template catches a 10× slower fast service, a slow tail and an error rise. */
export const LATENCY_TOLERANCE = { ratio: 0.2, absolute: 5 };
export const TAIL_TOLERANCE = { ratio: 1, absolute: 50 };
export const ERROR_RATE_TOLERANCE = { ratio: 1, absolute: 0.03 };

const Comparison = z.strictObject({
  enabled: z.boolean().default(true).describe('compare the canary with the baseline'),
  confidence: z
    .number()
    .gt(0.5)
    .lt(1)
    .default(0.95)
    .describe('confidence of every interval the judge decides on'),
  latency: z
    .strictObject({ tolerance: Tolerance.default(LATENCY_TOLERANCE) })
    .prefault({})
    .describe('Hodges-Lehmann shift of canary latency over baseline (ms; ratio of the baseline median)'),
  tail: z
    .strictObject({
      quantile: z.number().gt(0.5).lt(1).default(0.9).describe('the latency quantile compared'),
      tolerance: Tolerance.default(TAIL_TOLERANCE),
    })
    .prefault({})
    .describe('a high latency quantile, so a slow fraction of requests cannot hide behind the median'),
  errorRate: z
    .strictObject({ tolerance: Tolerance.default(ERROR_RATE_TOLERANCE) })
    .prefault({})
    .describe("canary error rate minus baseline error rate (a fraction; ratio of the baseline's rate)"),
  alpha: z.number().gt(0).lt(1).optional().describe('earlier name: 1 - confidence'),
  maxLatencyShiftMs: z
    .number()
    .nonnegative()
    .optional()
    .describe('earlier name: an absolute latency tolerance in ms'),
});

/** Before tolerances: `alpha` and `maxLatencyShiftMs` still read as confidence and an absolute latency tolerance. */
function fromEarlierKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const { alpha, maxLatencyShiftMs, ...rest } = value as Record<string, unknown>;
  const out: Record<string, unknown> = { ...rest };
  if (typeof alpha === 'number' && out.confidence === undefined) out.confidence = 1 - alpha;
  if (typeof maxLatencyShiftMs === 'number' && out.latency === undefined)
    out.latency = { tolerance: { absolute: maxLatencyShiftMs } };
  return out;
}

/**
 * Several measurements per step instead of one at the end of its bake (Argo Rollouts' names): the
 * step takes `count` measurements, one every `interval` (default: its bake divided by `count`).
 * It fails once more than `failureLimit` measurements failed, is inconclusive once more than
 * `inconclusiveLimit` were inconclusive or more than `consecutiveErrorLimit` provider errors came
 * in a row, and passes when its measurements are done without either (at least one passed).
 */
export const Measurements = z
  .strictObject({
    count: z.number().int().min(1).max(100).describe('measurements per step'),
    interval: Duration.optional().describe("time between measurements (default: the step's bake / count)"),
    failureLimit: z.number().int().nonnegative().default(0).describe('failed measurements tolerated'),
    inconclusiveLimit: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe('inconclusive measurements tolerated'),
    consecutiveErrorLimit: z
      .number()
      .int()
      .nonnegative()
      .default(4)
      .describe('provider errors in a row tolerated before the step is inconclusive'),
  })
  .describe('repeated measurements per step (count, interval and limits)');
export type Measurements = z.infer<typeof Measurements>;

export const CanaryConfig = z
  .strictObject({
    steps: z.array(CanaryStep).min(1).describe('traffic steps, each baked and analysed'),
    measurements: Measurements.optional(),
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
      .preprocess(fromEarlierKeys, Comparison)
      .prefault({})
      .describe(
        'canary vs baseline: latency shift, tail latency and error rate, each decided on an interval',
      ),
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
