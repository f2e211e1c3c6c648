import { z } from 'zod';
import { Duration } from '../domain/common.js';

/**
 * Which way a metric moves when the canary is worse: latency and errors `increase`, throughput or
 * a success ratio `decrease`; `either` for a metric that must simply stay where it was.
 */
export const Direction = z.enum(['increase', 'decrease', 'either']);
export type Direction = z.infer<typeof Direction>;

/**
 * How far the canary may move from the baseline in the harmful direction: a `ratio` of the
 * baseline's value (0.2 = 20 % of its median) and/or an `absolute` amount in the metric's unit
 * (ms, or a fraction for error rates). With both, the larger is allowed, so the absolute part is a
 * floor where a ratio of a tiny baseline would be noise (a 2 ms service, an error-free baseline).
 */
export const Tolerance = z
  .object({ ratio: z.number().nonnegative().optional(), absolute: z.number().nonnegative().optional() })
  .refine((t) => t.ratio !== undefined || t.absolute !== undefined, {
    message: 'a tolerance needs ratio (of the baseline) and/or absolute',
  });
export type Tolerance = z.infer<typeof Tolerance>;

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
  /**
   * Also compare with the baseline: the query is evaluated a second time with {version} set to the
   * baseline version, and the canary fails when it moved beyond `tolerance` in `direction`.
   */
  compare: z.object({ direction: Direction, tolerance: Tolerance }).optional(),
});

export const CanaryStep = z.object({
  weight: z.number().int().min(0).max(100),
  bake: Duration,
});

/** Defaults chosen so the default template catches a 10× slower fast service, a slow tail and an error rise. */
export const LATENCY_TOLERANCE = { ratio: 0.2, absolute: 5 };
export const TAIL_TOLERANCE = { ratio: 1, absolute: 50 };
export const ERROR_RATE_TOLERANCE = { ratio: 1, absolute: 0.03 };

const Comparison = z.object({
  enabled: z.boolean().default(true),
  /** Confidence of every interval the judge decides on. */
  confidence: z.number().gt(0.5).lt(1).default(0.95),
  /** Hodges-Lehmann shift of canary latency over baseline (ms; ratio of the baseline median). */
  latency: z.object({ tolerance: Tolerance.default(LATENCY_TOLERANCE) }).prefault({}),
  /** A high quantile of latency, so a slow fraction of requests cannot hide behind the median. */
  tail: z
    .object({
      quantile: z.number().gt(0.5).lt(1).default(0.9),
      tolerance: Tolerance.default(TAIL_TOLERANCE),
    })
    .prefault({}),
  /** Canary error rate minus baseline error rate (a fraction; ratio of the baseline's rate). */
  errorRate: z.object({ tolerance: Tolerance.default(ERROR_RATE_TOLERANCE) }).prefault({}),
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
export const Measurements = z.object({
  count: z.number().int().min(1).max(100),
  interval: Duration.optional(),
  failureLimit: z.number().int().nonnegative().default(0),
  inconclusiveLimit: z.number().int().nonnegative().default(0),
  consecutiveErrorLimit: z.number().int().nonnegative().default(4),
});
export type Measurements = z.infer<typeof Measurements>;

export const CanaryConfig = z.object({
  steps: z.array(CanaryStep).min(1),
  measurements: Measurements.optional(),
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
  /** Canary vs baseline: latency shift, tail latency and error rate, each decided on an interval. */
  compareToBaseline: z.preprocess(fromEarlierKeys, Comparison).prefault({}),
  minSamples: z.number().int().positive().default(50),
  /** What to do with an inconclusive analysis: ask a human (default) or roll back. */
  onInconclusive: z.enum(['ask', 'rollback']).default('ask'),
});
export type CanaryConfig = z.infer<typeof CanaryConfig>;
