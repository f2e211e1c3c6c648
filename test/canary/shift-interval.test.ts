/**
 * The canary's statistics against R: wilcox.test(conf.int = TRUE), pwilcox/qwilcox, pbinom and
 * prop.test, from the fixture made by test/fixtures/canary/generate_wilcoxon.R.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { proportionDifference, wilsonInterval } from '../../src/canary/proportions.js';
import { quantileInterval, quantileRanks } from '../../src/canary/quantile-interval.js';
import { AllTiedError, shiftInterval } from '../../src/canary/shift-interval.js';
import { distributionOf, distributionOfWeighted, type Distribution } from '../../src/canary/statistics.js';
import { exactWilcoxon } from '../../src/canary/wilcoxon-exact.js';

type Side = number[] | { values: number[]; counts: number[] };
interface Case {
  name: string;
  x: Side;
  y: Side;
  method: 'exact' | 'normal';
  w: number;
  pValue: number;
  estimate: number;
  medianOfDifferences: number;
  middleDifferences: [number, number];
  confInt: [number, number];
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/canary/wilcoxon.json', import.meta.url), 'utf8'),
) as {
  cases: Case[];
  tails: { m: number; n: number; q: number[]; lower: number[]; upper: number[]; quantile025: number }[];
  quantileRanks: { n: number; p: number; confidence: number; lower: number; upper: number }[];
  wilson: { k: number; n: number; confidence: number; interval: [number, number] }[];
};

const toDistribution = (side: Side): Distribution =>
  Array.isArray(side)
    ? distributionOf(side)
    : distributionOfWeighted(side.values.map((v, i) => [v, side.counts[i]!] as const));

/** 1e-9 relative; the absolute 1e-12 covers R's roots at zero, which uniroot reports as ±1e-15. */
function assertClose(actual: number, expected: number, what: string) {
  const tolerance = 1e-9 * Math.abs(expected) + 1e-12;
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: got ${actual}, R says ${expected}`);
}

void test('the fixture covers exact and normal cases, ties and histograms', () => {
  assert.ok(fixture.cases.filter((c) => c.method === 'exact').length >= 8);
  assert.ok(fixture.cases.filter((c) => c.method === 'normal').length >= 6);
  assert.ok(fixture.cases.some((c) => !Array.isArray(c.x)));
});

for (const c of fixture.cases) {
  void test(`Hodges-Lehmann shift and interval match R: ${c.name}`, () => {
    const got = shiftInterval(toDistribution(c.x), toDistribution(c.y), 0.95);
    assert.equal(got.method, c.method);
    assertClose(got.u, c.w, 'W');
    assertClose(got.pValue, c.pValue, 'p-value');
    assertClose(got.lower, c.confInt[0], 'interval lower end');
    assertClose(got.upper, c.confInt[1], 'interval upper end');
    assertClose(got.estimate, c.medianOfDifferences, 'estimate (median of differences)');
    // R's own estimate is the median in the exact case; in the normal case it is uniroot's zero of
    // a step function, which lands anywhere between the two middle differences.
    if (c.method === 'exact') assertClose(got.estimate, c.estimate, 'estimate');
    else
      assert.ok(
        c.estimate >= c.middleDifferences[0] - 1e-12 && c.estimate <= c.middleDifferences[1] + 1e-12,
        `R's estimate ${c.estimate} lies between the middle differences`,
      );
  });
}

void test('interval ends that only reflect the data range are marked unbounded', () => {
  const oneOfThree = fixture.cases.find((c) => c.name.startsWith('exact 1 x 3'))!;
  const a = shiftInterval(toDistribution(oneOfThree.x), toDistribution(oneOfThree.y));
  assert.deepEqual([a.lowerBounded, a.upperBounded], [false, false]);
  const lonely = fixture.cases.find((c) => c.name.startsWith('normal 1 canary request'))!;
  const b = shiftInterval(toDistribution(lonely.x), toDistribution(lonely.y));
  assert.deepEqual([b.lowerBounded, b.upperBounded], [false, false]);
  const plenty = fixture.cases.find((c) => c.name === 'normal 200 x 180 shifted')!;
  const d = shiftInterval(toDistribution(plenty.x), toDistribution(plenty.y));
  assert.deepEqual([d.lowerBounded, d.upperBounded], [true, true]);
});

void test('all observations tied: no interval, as in R', () => {
  assert.throws(() => shiftInterval(distributionOf([3, 3, 3]), distributionOf([3, 3])), AllTiedError);
});

for (const t of fixture.tails) {
  void test(`exact Wilcoxon distribution matches pwilcox/qwilcox for m=${t.m}, n=${t.n}`, () => {
    const dist = exactWilcoxon(t.m, t.n);
    t.q.forEach((q, i) => {
      assertClose(dist.lower(q), t.lower[i]!, `P(W <= ${q})`);
      assertClose(dist.upper(q), t.upper[i]!, `P(W >= ${q})`);
    });
    assert.equal(dist.quantile(0.025), t.quantile025);
  });
}

for (const r of fixture.quantileRanks) {
  void test(`order statistics bounding the ${r.p} quantile of ${r.n} samples match pbinom`, () => {
    assert.deepEqual(quantileRanks(r.n, r.p, r.confidence), { lower: r.lower, upper: r.upper });
  });
}

void test('a quantile interval of too few samples is unbounded on the side it cannot reach', () => {
  const q = quantileInterval(distributionOf([5, 1, 3, 2, 4, 9, 7, 8, 6, 10]), 0.99, 0.95);
  assert.equal(q.upperBounded, false);
  assert.equal(q.upper, Number.POSITIVE_INFINITY);
  assert.ok(q.lowerBounded);
});

for (const w of fixture.wilson) {
  void test(`Wilson interval for ${w.k}/${w.n} matches prop.test`, () => {
    const got = wilsonInterval(w.k, w.n, w.confidence);
    assertClose(got.lower, w.interval[0], 'lower');
    assertClose(got.upper, w.interval[1], 'upper');
  });
}

void test('the difference of two error rates stays bounded when one side has no errors', () => {
  const d = proportionDifference(40, 1000, 1, 1000, 0.95);
  assert.ok(d.lower > 0.025 && d.upper < 0.055, JSON.stringify(d));
  const none = proportionDifference(0, 500, 0, 500, 0.95);
  assert.equal(none.estimate, 0);
  assert.ok(none.lower < 0 && none.upper > 0 && none.upper < 0.01, JSON.stringify(none));
});
