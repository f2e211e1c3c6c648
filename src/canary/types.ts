import { z } from 'zod';
import { Direction } from './config.js';
import { RecordedMeasurements } from './recorded.js';

export const Verdict = z.enum(['pass', 'fail', 'inconclusive']);
export type Verdict = z.infer<typeof Verdict>;

/** The statistical procedure behind a comparison with the baseline. */
export const ComparisonTest = z.enum([
  /** Hodges-Lehmann shift, interval from the exact Wilcoxon distribution (R's wilcox.test). */
  'wilcoxon-exact',
  /** Hodges-Lehmann shift, interval from the normal approximation with continuity correction. */
  'wilcoxon-normal',
  /** Difference of a quantile, distribution-free order-statistic intervals on each side. */
  'quantile-order-statistics',
  /** Difference of two error rates, Newcombe's hybrid score interval. */
  'newcombe-wilson',
  /** Two single numbers (a custom query per version): no interval exists. */
  'point',
]);

/** The numbers a comparison with the baseline was decided on. */
export const Comparison = z.object({
  test: ComparisonTest,
  /** The harmful direction. */
  direction: Direction,
  unit: z.string(),
  /** Canary minus baseline. */
  estimate: z.number(),
  /** null: the samples are too few to bound that side, so it can neither pass nor fail there. */
  interval: z
    .object({ lower: z.number().nullable(), upper: z.number().nullable(), confidence: z.number() })
    .optional(),
  /** As configured, and the amount it allowed against this baseline. */
  tolerance: z.object({ ratio: z.number().optional(), absolute: z.number().optional(), allowed: z.number() }),
  pValue: z.number().optional(),
  /** Wilcoxon W / Mann-Whitney U of the canary. */
  u: z.number().optional(),
});
export type Comparison = z.infer<typeof Comparison>;

/** What analyses recorded before comparisons were decided on intervals; still read by reports and backtests. */
export const EarlierComparison = z.object({
  u: z.number(),
  pValue: z.number(),
  hodgesLehmannShift: z.number(),
  alpha: z.number(),
});

/** One judged metric: the numbers that led to its verdict. */
export const MetricJudgement = z.object({
  name: z.string(),
  verdict: Verdict,
  canary: z.number().nullable(),
  baseline: z.number().nullable().optional(),
  threshold: z.object({ min: z.number().optional(), max: z.number().optional() }).optional(),
  samples: z.object({ canary: z.number(), baseline: z.number().optional() }).optional(),
  comparison: z.union([Comparison, EarlierComparison]).optional(),
  reason: z.string(),
});
export type MetricJudgement = z.infer<typeof MetricJudgement>;

export const AnalysisResult = z.object({
  verdict: Verdict,
  step: z.number().int(),
  weight: z.number(),
  provider: z.string(),
  metrics: z.array(MetricJudgement),
  reason: z.string(),
  window: z.object({ start: z.string(), end: z.string() }),
  /** Set when the provider could not answer (after its retries) or answered impossible numbers. */
  providerError: z.string().optional(),
  /** What was measured, so a backtest can judge it again (absent when nothing could be measured). */
  measured: z.object({ canary: RecordedMeasurements, baseline: RecordedMeasurements.optional() }).optional(),
  /** Which of a step's repeated measurements this is (absent with one measurement per step). */
  measurement: z.object({ number: z.number().int(), count: z.number().int() }).optional(),
});
export type AnalysisResult = z.infer<typeof AnalysisResult>;
