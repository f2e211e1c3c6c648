/**
 * The exact null distribution of the Mann-Whitney / Wilcoxon rank-sum statistic W (the U of the
 * first sample) for m and n samples without ties, as R's dwilcox/pwilcox/qwilcox compute it.
 */
export interface ExactWilcoxon {
  m: number;
  n: number;
  /** P(W <= q). */
  lower(q: number): number;
  /** P(W >= q). Summed from the upper tail, so small upper-tail probabilities keep their digits. */
  upper(q: number): number;
  /** R's qwilcox: the smallest q with P(W <= q) >= p. */
  quantile(p: number): number;
}

/** Below this many samples on both sides R uses the exact distribution (when there are no ties). */
export const EXACT_LIMIT = 50;

/**
 * Frequencies of W = 0..m·n are the coefficients of the Gaussian binomial [m+n choose m]_q, built
 * with the q-Pascal rule F(i, j) = F(i−1, j) + q^i·F(i, j−1). Only additions: no cancellation,
 * so even the far tails of 49 × 49 keep full relative precision.
 */
export function exactWilcoxon(m: number, n: number): ExactWilcoxon {
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 1 || n < 1)
    throw new RangeError(`the exact Wilcoxon distribution needs positive sample sizes, not ${m} and ${n}`);
  let column: Float64Array[] = Array.from({ length: m + 1 }, () => Float64Array.of(1));
  for (let j = 1; j <= n; j++) {
    const next: Float64Array[] = [Float64Array.of(1)];
    for (let i = 1; i <= m; i++) {
      const f = new Float64Array(i * j + 1);
      const above = next[i - 1]!;
      const left = column[i]!;
      for (let k = 0; k < above.length; k++) f[k] = above[k]!;
      for (let k = 0; k < left.length; k++) f[k + i]! += left[k]!;
      next.push(f);
    }
    column = next;
  }
  const counts = column[m]!;
  let total = 0;
  for (const c of counts) total += c;
  const cumulative = new Float64Array(counts.length);
  const fromTop = new Float64Array(counts.length);
  let sum = 0;
  for (let k = 0; k < counts.length; k++) cumulative[k] = sum += counts[k]!;
  sum = 0;
  for (let k = counts.length - 1; k >= 0; k--) fromTop[k] = sum += counts[k]!;
  const top = counts.length - 1;
  return {
    m,
    n,
    lower: (q) => (q < 0 ? 0 : q >= top ? 1 : cumulative[Math.floor(q)]! / total),
    upper: (q) => (q <= 0 ? 1 : q > top ? 0 : fromTop[Math.ceil(q)]! / total),
    quantile(p) {
      // R's qwilcox compares with p − 10·DBL_EPSILON, so a p that is exactly a cumulative
      // probability finds that q despite rounding.
      for (let k = 0; k <= top; k++) if (cumulative[k]! / total >= p - 10 * Number.EPSILON) return k;
      return top;
    },
  };
}
