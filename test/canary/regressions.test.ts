/**
 * Every regression issue #26 lists, judged by the analyzer with the default template: each fails
 * or is inconclusive with its reason, and a healthy canary still passes. The measurements reach
 * the analyzer through the built-in provider, from a router-shaped source of recorded traffic:
 * a real router cannot be made to report NaN or negative latencies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAnalyzer } from '../../src/canary/analyzer.js';
import { CanaryConfig } from '../../src/canary/config.js';
import { judgeLatencyShift, judgeTailLatency } from '../../src/canary/comparisons.js';
import { bucketsToDistribution } from '../../src/canary/providers/prometheus.js';
import { measurementsFromRecord, recordMeasurements } from '../../src/canary/recorded.js';
import { quantile } from '../../src/canary/statistics.js';
import type { AnalysisResult, Comparison } from '../../src/canary/types.js';
import type { Target, VersionTraffic } from '../../src/targets/target.js';
import { testLogger } from '../targets/sample-app.js';

/** Deterministic spread: n values evenly spaced over [from, to). */
const spread = (n: number, from: number, to: number) =>
  Array.from({ length: n }, (_, i) => from + ((to - from) * i) / n);

function recorded(traffic: Record<string, VersionTraffic>): Target {
  return {
    trafficIn: async ({ version }: { version: string }) => traffic[version]!,
  } as unknown as Target;
}

const ok = (latenciesMs: number[], errors = 0): VersionTraffic => ({
  requests: latenciesMs.length + errors,
  errors,
  latenciesMs,
});

async function analyze(
  canary: VersionTraffic,
  baseline: VersionTraffic,
  overrides: Record<string, unknown> = {},
): Promise<AnalysisResult> {
  const now = Date.parse('2026-12-07T12:00:00Z');
  return createAnalyzer({ logger: testLogger.child({}, { level: 'error' }), retryDelaysMs: [] }).analyze({
    app: 'shop',
    stage: 'prod',
    canaryVersion: '2.0.0',
    baselineVersion: '1.0.0',
    step: 1,
    weight: 25,
    config: CanaryConfig.parse({ steps: [{ weight: 25, bake: '60s' }], ...overrides }),
    window: { start: new Date(now - 60_000).toISOString(), end: new Date(now).toISOString() },
    target: recorded({ '2.0.0': canary, '1.0.0': baseline }),
  });
}

const metric = (r: AnalysisResult, name: string) => {
  const m = r.metrics.find((j) => j.name === name);
  assert.ok(m, `${name} judged: ${r.metrics.map((j) => j.name).join(', ')}`);
  return m;
};

void test('healthy: the same latency and error rate as the baseline passes every comparison', async () => {
  const r = await analyze(ok(spread(600, 2, 4), 0), ok(spread(1800, 2, 4), 1));
  assert.equal(r.verdict, 'pass', r.reason);
  for (const name of ['latency-vs-baseline', 'latency-p90-vs-baseline', 'error-rate-vs-baseline'])
    assert.equal(metric(r, name).verdict, 'pass', metric(r, name).reason);
});

void test('a fast service 10x slower (2 ms -> 20 ms) fails: the tolerance is relative, not 50 ms', async () => {
  const r = await analyze(ok(spread(300, 19, 21)), ok(spread(900, 1.9, 2.1)));
  assert.equal(r.verdict, 'fail', r.reason);
  const shift = metric(r, 'latency-vs-baseline');
  assert.equal(shift.verdict, 'fail');
  const c = shift.comparison as Comparison;
  assert.ok(c.interval!.lower! > 17 && c.interval!.upper! < 19, JSON.stringify(c));
  assert.deepEqual(c.tolerance, { ratio: 0.2, absolute: 5, allowed: 5 });
  assert.equal(c.test, 'wilcoxon-normal');
  assert.match(shift.reason, /beyond the tolerance/);
});

void test('a bimodal regression (45% of requests at 1 s) fails on the tail although the median barely moves', async () => {
  const canary = [...spread(550, 10, 16), ...spread(450, 1000, 1010)];
  const r = await analyze(ok(canary), ok(spread(3000, 10, 20)));
  assert.equal(r.verdict, 'fail', r.reason);
  const tail = metric(r, 'latency-p90-vs-baseline');
  assert.equal(tail.verdict, 'fail');
  assert.match(tail.reason, /p90 latency over baseline beyond the tolerance/);
  assert.ok((tail.comparison as Comparison).interval!.lower! > 900);
});

void test('an error rate rising from 0.1% to 4% fails against the baseline although it is under the 5% maximum', async () => {
  const r = await analyze(ok(spread(4800, 2, 4), 200), ok(spread(14985, 2, 4), 15));
  assert.equal(metric(r, 'error-rate').verdict, 'pass', 'the absolute maximum alone lets it through');
  const vs = metric(r, 'error-rate-vs-baseline');
  assert.equal(vs.verdict, 'fail', vs.reason);
  assert.equal(vs.canary, 0.04);
  assert.equal(vs.baseline, 0.001);
  assert.equal(r.verdict, 'fail');
});

void test('1 canary request of 1,000 ms against 1,000 of 10 ms with minSamples 1 is inconclusive, not a pass', async () => {
  const r = await analyze(ok([1000]), ok(spread(1000, 10, 10.5)), { minSamples: 1 });
  assert.equal(r.verdict, 'inconclusive', r.reason);
  const shift = metric(r, 'latency-vs-baseline');
  assert.equal(shift.verdict, 'inconclusive');
  assert.match(shift.reason, /too few samples to bound the difference/);
  assert.deepEqual((shift.comparison as Comparison).interval, { lower: null, upper: null, confidence: 0.95 });
});

void test('30% of canary values above an all-zero baseline is inconclusive: a degenerate baseline', async () => {
  const r = await analyze(ok([...spread(70, 0, 0), ...spread(30, 5, 6)]), ok(spread(300, 0, 0)));
  assert.notEqual(r.verdict, 'pass');
  const shift = metric(r, 'latency-vs-baseline');
  assert.equal(shift.verdict, 'inconclusive');
  assert.match(shift.reason, /degenerate baseline: all 300 baseline latencies are 0/);
});

void test('negative latencies from the provider make the step inconclusive, naming the provider', async () => {
  const r = await analyze(ok([...spread(100, 2, 3), -4]), ok(spread(300, 2, 3)));
  assert.equal(r.verdict, 'inconclusive');
  assert.match(
    r.reason,
    /built-in provider reported 1 latency sample\(s\) that are negative, NaN or infinite for version 2\.0\.0 \(first: -4\)/,
  );
});

void test('a NaN latency is an inconclusive analysis, not a thrown error that fails the deploy', async () => {
  const r = await analyze(ok(spread(100, 2, 3)), ok([...spread(300, 2, 3), Number.NaN]));
  assert.equal(r.verdict, 'inconclusive');
  assert.match(r.reason, /built-in provider .* for version 1\.0\.0 \(first: NaN\)/);
  const counts = await analyze({ requests: Number.POSITIVE_INFINITY, errors: 0, latenciesMs: [] }, ok([1]));
  assert.equal(counts.verdict, 'inconclusive');
  assert.match(counts.reason, /built-in provider reported requests = Infinity for version 2\.0\.0/);
});

void test('histograms saturated in the +Inf bucket (60 s against 11 s) are inconclusive, named as saturated', () => {
  const buckets = (count: number) =>
    [0.1, 1, 10, Number.POSITIVE_INFINITY].map((le) => ({
      labels: { le: Number.isFinite(le) ? String(le) : '+Inf' },
      value: le === Number.POSITIVE_INFINITY ? count : 0,
    }));
  const measurement = (version: string, count: number) => {
    const { latency, topBucketMs } = bucketsToDistribution(buckets(count), version);
    const q = (p: number) => quantile(latency, p);
    return {
      version,
      requests: count,
      errors: 0,
      latency,
      latencyQuantilesMs: { p50: q(0.5), p90: q(0.9), p99: q(0.99) },
      latencyTopBucketMs: topBucketMs!,
    };
  };
  const settings = CanaryConfig.parse({ steps: [{ weight: 1, bake: '1s' }] }).compareToBaseline;
  const canary = measurement('2.0.0', 200); // really 60 s each
  const baseline = measurement('1.0.0', 600); // really 11 s each
  for (const judge of [judgeLatencyShift, judgeTailLatency]) {
    const j = judge(canary, baseline, settings, 50);
    assert.equal(j.verdict, 'inconclusive');
    assert.match(
      j.reason,
      /degenerate baseline: the baseline's (median|p90) is saturated in the histogram's \+Inf bucket \(above 10000 ms\)/,
    );
  }
});

void test('a NaN bucket count from Prometheus is refused with the bucket named', () => {
  assert.throws(
    () => bucketsToDistribution([{ labels: { le: '0.5' }, value: Number.NaN }], '2.0.0'),
    /prometheus provider reported NaN requests in the latency bucket le=0\.5 for version 2\.0\.0/,
  );
});

void test('an unavailable provider is retried before the step is inconclusive', async () => {
  const window = { start: '2026-12-07T11:59:00.000Z', end: '2026-12-07T12:00:00.000Z' };
  const request = (target: Target, retryDelaysMs: number[]) =>
    createAnalyzer({ logger: testLogger.child({}, { level: 'error' }), retryDelaysMs }).analyze({
      app: 'shop',
      stage: 'prod',
      canaryVersion: '2.0.0',
      step: 1,
      weight: 25,
      config: CanaryConfig.parse({ steps: [{ weight: 25, bake: '60s' }] }),
      window,
      target,
    });
  // The router comes up during the first retry's delay: the analysis gets its answer.
  const late = {} as { trafficIn?: Target['trafficIn'] };
  setTimeout(() => (late.trafficIn = async () => ok(spread(100, 2, 3))), 20);
  const answered = await request(late as unknown as Target, [200, 200]);
  assert.equal(answered.verdict, 'pass', answered.reason);
  const never = await request({} as unknown as Target, [10, 10]);
  assert.equal(never.verdict, 'inconclusive');
  assert.match(never.providerError ?? '', /set canary\.metrics\.provider to "prometheus"/);
});

void test('a recorded histogram keeps its +Inf bucket above the top bound, so a backtest still sees it saturated', () => {
  const buckets = [1, 10, Number.POSITIVE_INFINITY].map((le, i) => ({
    labels: { le: Number.isFinite(le) ? String(le) : '+Inf' },
    value: [5, 10, 40][i]!,
  }));
  const { latency, topBucketMs } = bucketsToDistribution(buckets, '1.0.0');
  const measured = {
    version: '1.0.0',
    requests: 40,
    errors: 0,
    latency,
    latencyQuantilesMs: {
      p50: quantile(latency, 0.5),
      p90: quantile(latency, 0.9),
      p99: quantile(latency, 0.99),
    },
    latencyTopBucketMs: topBucketMs!,
  };
  const again = measurementsFromRecord('1.0.0', recordMeasurements(measured));
  assert.deepEqual(again.latency, latency);
  assert.ok(again.latency.values.at(-1)! > again.latencyTopBucketMs!);
});
