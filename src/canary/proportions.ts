import { normalQuantileUpper } from './shift-interval.js';

export interface Interval {
  lower: number;
  upper: number;
}

/** Wilson score interval for k successes in n trials (R's `prop.test(k, n, correct = FALSE)`). */
export function wilsonInterval(k: number, n: number, confidence: number): Interval {
  if (n <= 0) throw new RangeError('a proportion needs at least one trial');
  const z = normalQuantileUpper(1 - confidence);
  const p = k / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/**
 * Difference of two proportions k1/n1 − k2/n2 with Newcombe's hybrid score interval (his method
 * 10): built from the two Wilson intervals, so it stays inside [−1, 1] and keeps its coverage
 * when either side has no errors at all, where the Wald interval collapses to a point.
 */
export function proportionDifference(
  k1: number,
  n1: number,
  k2: number,
  n2: number,
  confidence: number,
): Interval & { estimate: number } {
  const p1 = k1 / n1;
  const p2 = k2 / n2;
  const a = wilsonInterval(k1, n1, confidence);
  const b = wilsonInterval(k2, n2, confidence);
  const estimate = p1 - p2;
  return {
    estimate,
    lower: estimate - Math.hypot(p1 - a.lower, b.upper - p2),
    upper: estimate + Math.hypot(a.upper - p1, p2 - b.lower),
  };
}
