import { z } from 'zod';

export const Verdict = z.enum(['pass', 'fail', 'inconclusive']);
export type Verdict = z.infer<typeof Verdict>;

/** One judged metric: the numbers that led to its verdict. */
export const MetricJudgement = z.object({
  name: z.string(),
  verdict: Verdict,
  canary: z.number().nullable(),
  baseline: z.number().nullable().optional(),
  threshold: z.object({ min: z.number().optional(), max: z.number().optional() }).optional(),
  samples: z.object({ canary: z.number(), baseline: z.number().optional() }).optional(),
  /** Mann-Whitney U comparison details, when the metric was compared to baseline. */
  comparison: z
    .object({ u: z.number(), pValue: z.number(), hodgesLehmannShift: z.number(), alpha: z.number() })
    .optional(),
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
});
export type AnalysisResult = z.infer<typeof AnalysisResult>;
