import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  distributionOf,
  distributionOfWeighted,
  hodgesLehmann,
  mannWhitneyU,
  quantile,
  type Distribution,
} from '../../src/canary/statistics.js';

type Side = number[] | { values: number[]; counts: number[] };
interface Case {
  name: string;
  x: Side;
  y: Side;
  mannWhitney: {
    alternative: 'two-sided' | 'greater' | 'less';
    continuity: boolean;
    u: number;
    pValue: number | null;
  }[];
  hodgesLehmann: number;
  quantiles: Record<string, number>;
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/canary/statistics.json', import.meta.url), 'utf8'),
) as {
  cases: Case[];
};

function toDistribution(side: Side): Distribution {
  if (Array.isArray(side)) return distributionOf(side);
  return distributionOfWeighted(side.values.map((v, i) => [v, side.counts[i]!] as const));
}

function assertClose(actual: number, expected: number, what: string) {
  const tolerance = 1e-9 + 1e-7 * Math.abs(expected);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: got ${actual}, SciPy says ${expected}`);
}

void test('the fixture covers ties, histograms and the all-tied case', () => {
  assert.ok(fixture.cases.length >= 10);
  assert.ok(fixture.cases.some((c) => !Array.isArray(c.x)));
  assert.ok(fixture.cases.some((c) => c.mannWhitney.some((m) => m.pValue === null)));
});

for (const c of fixture.cases) {
  void test(`statistics match SciPy: ${c.name}`, () => {
    const x = toDistribution(c.x);
    const y = toDistribution(c.y);
    for (const expected of c.mannWhitney) {
      const label = `${expected.alternative}, continuity=${expected.continuity}`;
      const got = mannWhitneyU(x, y, { alternative: expected.alternative, continuity: expected.continuity });
      assertClose(got.u, expected.u, `U (${label})`);
      if (expected.pValue === null) assert.ok(Number.isNaN(got.pValue), `p (${label}) should be NaN`);
      else assertClose(got.pValue, expected.pValue, `p (${label})`);
    }
    assertClose(hodgesLehmann(x, y), c.hodgesLehmann, 'Hodges-Lehmann shift');
    for (const [q, expected] of Object.entries(c.quantiles))
      assertClose(quantile(x, Number(q)), expected, `quantile ${q}`);
  });
}

void test('empty samples are refused rather than judged', () => {
  const empty = distributionOf([]);
  const some = distributionOf([1, 2, 3]);
  assert.throws(() => mannWhitneyU(empty, some), /at least one sample on each side/);
  assert.throws(() => hodgesLehmann(some, empty), /at least one sample on each side/);
  assert.ok(Number.isNaN(quantile(empty, 0.5)));
});

void test('NaN latency samples are refused', () => {
  assert.throws(() => distributionOf([1, Number.NaN]), /not a finite number/);
});

void test('Hodges-Lehmann stays exact and fast on a long bake (20k x 20k requests)', () => {
  const x = distributionOf(Array.from({ length: 20_000 }, (_, i) => 100 + (i % 997) / 10));
  const y = distributionOf(Array.from({ length: 20_000 }, (_, i) => 40 + (i % 991) / 10));
  const shift = hodgesLehmann(x, y);
  assert.ok(shift > 59 && shift < 61, `shift ${shift}`);
});
