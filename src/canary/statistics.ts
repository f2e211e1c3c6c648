import erfc from '@stdlib/math-base-special-erfc';

/**
 * A latency distribution as sorted distinct values with how many requests had each value. Raw
 * samples have weight 1 each; a Prometheus histogram becomes one value per bucket weighted by its
 * count. Every statistic below works on this form, so both providers are judged by the same code.
 */
export interface Distribution {
  values: number[];
  weights: number[];
  /** Sum of the weights. */
  n: number;
}

export function distributionOf(samples: readonly number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  return fromSortedPairs(sorted.map((v) => [v, 1]));
}

/** From (value, weight) pairs in any order; zero and negative weights are dropped. */
export function distributionOfWeighted(pairs: readonly (readonly [number, number])[]): Distribution {
  return fromSortedPairs([...pairs].filter(([, w]) => w > 0).sort((a, b) => a[0] - b[0]));
}

function fromSortedPairs(pairs: readonly (readonly [number, number])[]): Distribution {
  const values: number[] = [];
  const weights: number[] = [];
  let n = 0;
  for (const [v, w] of pairs) {
    if (!Number.isFinite(v)) throw new RangeError(`latency sample ${v} is not a finite number`);
    if (values.length > 0 && values[values.length - 1] === v) weights[weights.length - 1]! += w;
    else {
      values.push(v);
      weights.push(w);
    }
    n += w;
  }
  return { values, weights, n };
}

/** Quantile with linear interpolation between order statistics (NumPy's default, "type 7"). */
export function quantile(d: Distribution, q: number): number {
  if (d.n === 0) return Number.NaN;
  const position = q * (d.n - 1);
  const lower = Math.floor(position);
  const lowValue = orderStatistic(d, lower);
  const highValue = orderStatistic(d, Math.min(lower + 1, d.n - 1));
  return lowValue + (highValue - lowValue) * (position - lower);
}

/** The k-th smallest value (0-based), counting each value `weight` times. */
export function orderStatistic(d: Distribution, k: number): number {
  let seen = 0;
  for (let i = 0; i < d.values.length; i++) {
    seen += d.weights[i]!;
    if (k < seen) return d.values[i]!;
  }
  return d.values[d.values.length - 1]!;
}

export interface MannWhitneyResult {
  /** U statistic of the first sample (SciPy's `statistic`). */
  u: number;
  pValue: number;
  /** Standard normal deviate used for the p-value. */
  z: number;
}

export interface MannWhitneyOptions {
  alternative?: 'two-sided' | 'greater' | 'less';
  continuity?: boolean;
}

/**
 * Mann-Whitney U test with the normal approximation and tie correction, computed as SciPy's
 * `mannwhitneyu(x, y, method='asymptotic')` does, so the fixtures generated with SciPy apply.
 * `greater` tests whether x tends to be larger than y.
 */
export function mannWhitneyU(
  x: Distribution,
  y: Distribution,
  opts: MannWhitneyOptions = {},
): MannWhitneyResult {
  const { alternative = 'two-sided', continuity = true } = opts;
  const n1 = x.n;
  const n2 = y.n;
  if (n1 === 0 || n2 === 0) throw new RangeError('Mann-Whitney U needs at least one sample on each side');
  const { rankSumX, tieTerm } = rankSum(x, y);
  const u1 = rankSumX - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const u = alternative === 'greater' ? u1 : alternative === 'less' ? u2 : Math.max(u1, u2);
  const n = n1 + n2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const numerator = u - (n1 * n2) / 2 - (continuity ? 0.5 : 0);
  // With every value tied sigma is 0: z becomes ±Infinity (p = 1) or, without continuity
  // correction, 0/0 = NaN, exactly as in SciPy. Callers decide what an undefined p means.
  const z = numerator / sigma;
  if (Number.isNaN(z)) return { u: u1, pValue: Number.NaN, z };
  const factor = alternative === 'two-sided' ? 2 : 1;
  const pValue = Math.min(1, Math.max(0, factor * normalSurvival(z)));
  return { u: u1, pValue, z };
}

/** P(Z > z) for a standard normal Z. */
export function normalSurvival(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Sum of x's mid-ranks in the pooled sample, and Σ(t³ − t) over tied groups. */
export function rankSum(x: Distribution, y: Distribution): { rankSumX: number; tieTerm: number } {
  let i = 0;
  let j = 0;
  let below = 0;
  let rankSumX = 0;
  let tieTerm = 0;
  while (i < x.values.length || j < y.values.length) {
    const vx = i < x.values.length ? x.values[i]! : Number.POSITIVE_INFINITY;
    const vy = j < y.values.length ? y.values[j]! : Number.POSITIVE_INFINITY;
    const v = Math.min(vx, vy);
    const fromX = vx === v ? x.weights[i++]! : 0;
    const fromY = vy === v ? y.weights[j++]! : 0;
    const t = fromX + fromY;
    const midRank = below + (t + 1) / 2;
    rankSumX += fromX * midRank;
    tieTerm += t * t * t - t;
    below += t;
  }
  return { rankSumX, tieTerm };
}

/**
 * Hodges-Lehmann estimate of the shift of x over y: the median of all pairwise differences
 * x_i − y_j. Found by bisection on the number of differences at or below a candidate (a linear
 * merge per step), so a bake with tens of thousands of requests never materialises n1·n2 pairs.
 */
export function hodgesLehmann(x: Distribution, y: Distribution): number {
  if (x.n === 0 || y.n === 0) throw new RangeError('Hodges-Lehmann needs at least one sample on each side');
  const pairs = x.n * y.n;
  const k = Math.floor((pairs - 1) / 2);
  const lowerMiddle = kthDifference(x, y, k);
  if (pairs % 2 === 1) return lowerMiddle;
  // The upper middle is the next difference: the same one if it covers index k + 1 too.
  const upperMiddle =
    countAtOrBelow(x, y, lowerMiddle) > k + 1 ? lowerMiddle : smallestDifferenceAbove(x, y, lowerMiddle);
  return (lowerMiddle + upperMiddle) / 2;
}

/** The k-th smallest (0-based) of all pairwise differences x_i − y_j. */
export function kthDifference(x: Distribution, y: Distribution, k: number): number {
  let lo = x.values[0]! - y.values[y.values.length - 1]!;
  let hi = x.values[x.values.length - 1]! - y.values[0]!;
  let countLo = countAtOrBelow(x, y, lo);
  if (countLo > k) return lo;
  let countHi = x.n * y.n;
  let bisect = false;
  // Invariant: at most k differences are <= lo and more than k are <= hi, so the answer is the
  // first difference above lo as soon as that one already covers index k. The next candidate is
  // interpolated from the two counts (the count grows almost linearly over a narrow bracket),
  // falling back to halving whenever an interpolated step failed to halve the bracket.
  for (;;) {
    const next = smallestDifferenceAbove(x, y, lo);
    const countNext = countAtOrBelow(x, y, next);
    if (countNext > k) return next;
    lo = next;
    countLo = countNext;
    const width = hi - lo;
    const share = (k + 0.5 - countLo) / (countHi - countLo);
    let mid = bisect ? lo + width / 2 : lo + width * share;
    if (!(mid > lo && mid < hi)) mid = lo + width / 2;
    const countMid = countAtOrBelow(x, y, mid);
    if (countMid > k) {
      hi = mid;
      countHi = countMid;
    } else {
      lo = mid;
      countLo = countMid;
    }
    bisect = !bisect && hi - lo > width / 2;
  }
}

/** Number of pairs (weighted) with x_i − y_j <= d. */
function countAtOrBelow(x: Distribution, y: Distribution, d: number): number {
  // For ascending x_i, the y_j with x_i − y_j > d form a prefix that only grows. The difference is
  // computed exactly as in smallestDifferenceAbove so both agree on every floating-point tie.
  let count = 0;
  let j = 0;
  let weightAbove = 0;
  for (let i = 0; i < x.values.length; i++) {
    while (j < y.values.length && x.values[i]! - y.values[j]! > d) weightAbove += y.weights[j++]!;
    count += x.weights[i]! * (y.n - weightAbove);
  }
  return count;
}

/** The smallest difference x_i − y_j strictly greater than d. */
function smallestDifferenceAbove(x: Distribution, y: Distribution, d: number): number {
  let best = Number.POSITIVE_INFINITY;
  let j = y.values.length - 1;
  // For descending x_i, the y_j with x_i − y_j <= d form a suffix that only grows, so j only falls;
  // the largest remaining y_j gives this x_i's smallest difference above d.
  for (let i = x.values.length - 1; i >= 0; i--) {
    while (j >= 0 && x.values[i]! - y.values[j]! <= d) j--;
    if (j < 0) break;
    best = Math.min(best, x.values[i]! - y.values[j]!);
  }
  return best;
}
