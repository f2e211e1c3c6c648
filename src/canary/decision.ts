import type { Direction, Tolerance } from './config.js';
import type { Comparison, Verdict } from './types.js';

/** An interval on canary − baseline; an unbounded side is one the samples could not bound. */
export interface BoundedInterval {
  estimate: number;
  lower: number;
  upper: number;
  lowerBounded: boolean;
  upperBounded: boolean;
}

/** The amount a tolerance allows against a baseline value: the larger of its ratio and absolute parts. */
export function allowedBy(tolerance: Tolerance, baselineValue: number): number {
  return Math.max(
    tolerance.ratio !== undefined ? tolerance.ratio * Math.abs(baselineValue) : 0,
    tolerance.absolute ?? 0,
  );
}

/**
 * Fail when the whole interval lies beyond the tolerance in the harmful direction, pass when it
 * lies within it, otherwise inconclusive: an interval too wide to tell (too few samples) is never
 * a pass. An unbounded side counts as reaching to infinity.
 */
export function decide(interval: BoundedInterval, allowed: number, direction: Direction): Verdict {
  const lower = interval.lowerBounded ? interval.lower : Number.NEGATIVE_INFINITY;
  const upper = interval.upperBounded ? interval.upper : Number.POSITIVE_INFINITY;
  const tooHigh = lower > allowed;
  const tooLow = upper < -allowed;
  const fitsAbove = upper <= allowed;
  const fitsBelow = lower >= -allowed;
  if (direction === 'increase') return tooHigh ? 'fail' : fitsAbove ? 'pass' : 'inconclusive';
  if (direction === 'decrease') return tooLow ? 'fail' : fitsBelow ? 'pass' : 'inconclusive';
  return tooHigh || tooLow ? 'fail' : fitsAbove && fitsBelow ? 'pass' : 'inconclusive';
}

const round = (v: number) => Number(v.toPrecision(6));

/** The record of a decided interval, as stored in the analysis. */
export function comparisonRecord(
  test: Comparison['test'],
  interval: BoundedInterval,
  confidence: number,
  tolerance: Tolerance,
  allowed: number,
  direction: Direction,
  unit: string,
  extra: { pValue?: number; u?: number } = {},
): Comparison {
  return {
    test,
    direction,
    unit,
    estimate: round(interval.estimate),
    interval: {
      lower: interval.lowerBounded ? round(interval.lower) : null,
      upper: interval.upperBounded ? round(interval.upper) : null,
      confidence,
    },
    tolerance: { ...tolerance, allowed: round(allowed) },
    ...(extra.pValue !== undefined && Number.isFinite(extra.pValue) ? { pValue: extra.pValue } : {}),
    ...(extra.u !== undefined ? { u: extra.u } : {}),
  };
}

/** "[1.2, 3.4] ms" with unbounded ends shown as −∞ / +∞. */
export function describeInterval(c: Comparison): string {
  const end = (v: number | null | undefined, inf: string) =>
    v === null || v === undefined ? inf : String(v);
  const unit = c.unit ? ` ${c.unit}` : '';
  const i = c.interval;
  const range = i
    ? `, ${Math.round(i.confidence * 100)}% interval [${end(i.lower, '−∞')}, ${end(i.upper, '+∞')}]`
    : '';
  return `estimate ${c.estimate}${unit}${range}, tolerated ${c.direction === 'decrease' ? '−' : c.direction === 'either' ? '±' : '+'}${c.tolerance.allowed}${unit}`;
}

/** Why a decided verdict came out as it did, in words a release engineer can act on. */
export function verdictPhrase(verdict: Verdict, interval: BoundedInterval): string {
  if (verdict === 'fail') return 'beyond the tolerance in the harmful direction';
  if (verdict === 'pass') return 'within the tolerance';
  if (!interval.lowerBounded || !interval.upperBounded)
    return 'too few samples to bound the difference: more data needed';
  return 'the interval straddles the tolerance: more data needed';
}
