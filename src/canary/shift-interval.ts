import erfcinv from '@stdlib/math-base-special-erfcinv';
import { hodgesLehmann, kthDifference, normalSurvival, rankSum, type Distribution } from './statistics.js';
import { EXACT_LIMIT, exactWilcoxon } from './wilcoxon-exact.js';

/** The shift of x over y (x − y) with its two-sided confidence interval. */
export interface ShiftInterval {
  /** Hodges-Lehmann estimate: the median of all pairwise differences x_i − y_j. */
  estimate: number;
  lower: number;
  upper: number;
  /**
   * False when the samples are too few to bound that side at the requested confidence: R then
   * reports the smallest (or largest) pairwise difference, which is no bound at all.
   */
  lowerBounded: boolean;
  upperBounded: boolean;
  confidence: number;
  /** `exact` below 50 samples a side without ties, else the normal approximation with continuity correction. */
  method: 'exact' | 'normal';
  /** Wilcoxon W (the Mann-Whitney U of x). */
  u: number;
  /** Two-sided p-value of "no shift". */
  pValue: number;
}

/** All values on both sides are one and the same: no rank test and no interval exist. */
export class AllTiedError extends RangeError {
  override name = 'AllTiedError';
}

/** Upper α/2 point of the standard normal distribution. */
export function normalQuantileUpper(alpha: number): number {
  return Math.SQRT2 * erfcinv(alpha);
}

/**
 * Hodges-Lehmann shift and confidence interval as R's `wilcox.test(x, y, conf.int = TRUE,
 * conf.level = confidence)` computes them. In the normal case R finds each end with uniroot on a
 * step function whose steps are the pairwise differences; here the step is located directly (the
 * root R converges to), so the ends are exact pairwise differences, not within uniroot's tolerance.
 */
export function shiftInterval(x: Distribution, y: Distribution, confidence = 0.95): ShiftInterval {
  const m = x.n;
  const n = y.n;
  if (m === 0 || n === 0) throw new RangeError('a shift interval needs at least one sample on each side');
  const pairs = m * n;
  const alpha = 1 - confidence;
  const { rankSumX, tieTerm } = rankSum(x, y);
  const u = rankSumX - (m * (m + 1)) / 2;
  const estimate = hodgesLehmann(x, y);
  const difference = (oneBased: number) => kthDifference(x, y, oneBased - 1);

  if (m < EXACT_LIMIT && n < EXACT_LIMIT && tieTerm === 0) {
    const dist = exactWilcoxon(m, n);
    const tail = u > pairs / 2 ? dist.upper(u) : dist.lower(u);
    let qu = dist.quantile(alpha / 2);
    const bounded = qu > 0;
    if (!bounded) qu = 1;
    return {
      estimate,
      lower: difference(qu),
      upper: difference(pairs - qu + 1),
      lowerBounded: bounded,
      upperBounded: bounded,
      confidence,
      method: 'exact',
      u,
      pValue: Math.min(1, 2 * tail),
    };
  }

  const total = m + n;
  const withinTies = tiesWithin(x) + tiesWithin(y);
  const sigma = Math.sqrt(((m * n) / 12) * (total + 1 - withinTies / (total * (total - 1))));
  if (tieTerm === total * total * total - total || sigma === 0)
    throw new AllTiedError('cannot compute a confidence interval when all observations are tied');
  const reach = normalQuantileUpper(alpha) * sigma;
  // Between two neighbouring differences the statistic is (pairs/2 − k ∓ ½)/σ for the k
  // differences below; the end is the first difference where it crosses ±z.
  const lowerIndex = Math.ceil(pairs / 2 - 0.5 - reach);
  const upperIndex = Math.ceil(pairs / 2 + 0.5 + reach);
  // R's two-sided p with continuity correction, from the ranks already summed.
  const deviation = u - pairs / 2;
  const z = (deviation - Math.sign(deviation) * 0.5) / sigmaWithCrossTies(m, n, tieTerm);
  const p = Math.min(1, 2 * normalSurvival(Math.abs(z)));
  return {
    estimate,
    lower: difference(Math.max(1, lowerIndex)),
    upper: difference(Math.min(pairs, upperIndex)),
    lowerBounded: lowerIndex >= 1,
    upperBounded: upperIndex <= pairs,
    confidence,
    method: 'normal',
    u,
    pValue: p,
  };
}

/** σ of U under the null with the ties of the pooled sample (the p-value's; the interval's has only each side's). */
function sigmaWithCrossTies(m: number, n: number, tieTerm: number): number {
  const total = m + n;
  return Math.sqrt(((m * n) / 12) * (total + 1 - tieTerm / (total * (total - 1))));
}

/** Σ(t³ − t) over the groups of equal values inside one sample. */
function tiesWithin(d: Distribution): number {
  let sum = 0;
  for (const w of d.weights) sum += w * w * w - w;
  return sum;
}
