import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import { orderStatistic, quantile, type Distribution } from './statistics.js';

/** A distribution-free confidence interval for one quantile of a sample. */
export interface QuantileInterval {
  quantile: number;
  estimate: number;
  lower: number;
  upper: number;
  lowerBounded: boolean;
  upperBounded: boolean;
}

/**
 * 1-based ranks r and s of the order statistics that bound the p-quantile with at least the given
 * confidence: r is the largest with P(B ≤ r−1) ≤ α/2 and s the smallest with P(B ≥ s) ≤ α/2, for B
 * the number of samples below the quantile, B ~ Binomial(n, p). r = 0 and s = n + 1 mean the
 * sample is too small to bound that side.
 */
export function quantileRanks(n: number, p: number, confidence: number): { lower: number; upper: number } {
  const half = (1 - confidence) / 2;
  const below = (k: number) => binomialCdf(k - 1, n, p);
  // P(B ≤ k−1) grows with k: binary search for the last k with it ≤ α/2, and the first k whose
  // complement P(B ≥ k) = 1 − P(B ≤ k−1) is ≤ α/2.
  const lower = lastWhere(1, n, (k) => below(k) <= half) ?? 0;
  const upper = firstWhere(1, n, (k) => 1 - below(k) <= half) ?? n + 1;
  return { lower, upper };
}

export function quantileInterval(d: Distribution, p: number, confidence: number): QuantileInterval {
  const ranks = quantileRanks(d.n, p, confidence);
  const lowerBounded = ranks.lower >= 1;
  const upperBounded = ranks.upper <= d.n;
  return {
    quantile: p,
    estimate: quantile(d, p),
    lower: lowerBounded ? orderStatistic(d, ranks.lower - 1) : Number.NEGATIVE_INFINITY,
    upper: upperBounded ? orderStatistic(d, ranks.upper - 1) : Number.POSITIVE_INFINITY,
    lowerBounded,
    upperBounded,
  };
}

function lastWhere(lo: number, hi: number, holds: (k: number) => boolean): number | undefined {
  if (hi < lo || !holds(lo)) return undefined;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (holds(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function firstWhere(lo: number, hi: number, holds: (k: number) => boolean): number | undefined {
  if (hi < lo || !holds(hi)) return undefined;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (holds(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
