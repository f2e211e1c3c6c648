/**
 * The explicit rules for measurements that cannot be judged normally: no requests, NaN, empty
 * latency, a baseline without traffic, identical distributions, thresholds without bounds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAnalyzer } from '../../src/canary/analyzer.js';
import { CanaryConfig } from '../../src/canary/config.js';
import { judgeLatencyShift } from '../../src/canary/comparisons.js';
import {
  judgeMeasuredThreshold,
  judgeSampleCount,
  judgeValue,
  overallVerdict,
} from '../../src/canary/judgements.js';
import type { VersionMeasurements } from '../../src/canary/providers/provider.js';
import type { Comparison, MetricJudgement } from '../../src/canary/types.js';
import { distributionOf, quantile } from '../../src/canary/statistics.js';
import { createTarget } from '../../src/targets/index.js';
import { sampleAppTarget, tempDir, testLogger } from '../targets/sample-app.js';

const settings = CanaryConfig.parse({
  steps: [{ weight: 10, bake: '1s' }],
  compareToBaseline: { latency: { tolerance: { absolute: 50 } } },
}).compareToBaseline;

function measured(
  version: string,
  requests: number,
  errors: number,
  latencies: number[],
): VersionMeasurements {
  const latency = distributionOf(latencies);
  return {
    version,
    requests,
    errors,
    latency,
    latencyQuantilesMs: {
      p50: quantile(latency, 0.5),
      p90: quantile(latency, 0.9),
      p99: quantile(latency, 0.99),
    },
  };
}
const shift = (j: MetricJudgement) => j.comparison as Comparison;
const steady = (n: number, base: number) => Array.from({ length: n }, (_, i) => base + (i % 10) / 10);

void test('no requests at all: sample count and error rate are inconclusive, not a 0% error rate', () => {
  const none = measured('2.0.0', 0, 0, []);
  assert.equal(judgeSampleCount(none, 50).verdict, 'inconclusive');
  const errorRate = judgeMeasuredThreshold({ metric: 'error-rate', max: 0.05 }, none, 50, 10);
  assert.equal(errorRate.verdict, 'inconclusive');
  assert.match(errorRate.reason, /only 0 canary requests, fewer than minSamples 50/);
});

void test('only errors: the latency quantile has no samples and is inconclusive', () => {
  const failing = measured('3.0.0', 100, 100, []);
  assert.equal(judgeMeasuredThreshold({ metric: 'error-rate', max: 0.05 }, failing, 50, 10).verdict, 'fail');
  const p99 = judgeMeasuredThreshold({ metric: 'latency-p99', max: 300 }, failing, 50, 10);
  assert.equal(p99.verdict, 'inconclusive');
  assert.match(p99.reason, /only 0 successful canary responses/);
});

void test('NaN and infinite values never pass a threshold', () => {
  for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    const j = judgeValue('custom', value, { max: 1 });
    assert.equal(j.verdict, 'inconclusive');
    assert.equal(j.canary, null);
  }
});

void test('a threshold without min or max is inconclusive and says what to set', () => {
  const j = judgeValue('custom', 0.5, {});
  assert.equal(j.verdict, 'inconclusive');
  assert.match(j.reason, /neither min nor max/);
});

void test('request-rate over an empty window is inconclusive', () => {
  const j = judgeMeasuredThreshold(
    { metric: 'request-rate', min: 1 },
    measured('2.0.0', 10, 0, steady(10, 1)),
    5,
    0,
  );
  assert.equal(j.verdict, 'inconclusive');
});

void test('a baseline that received no requests makes the comparison inconclusive, not a pass', () => {
  const canary = measured('2.0.0', 200, 0, steady(200, 2));
  const zero = measured('1.0.0', 0, 0, []);
  const j = judgeLatencyShift(canary, zero, settings, 50);
  assert.equal(j.verdict, 'inconclusive');
  assert.match(j.reason, /baseline 0/);
});

void test('identical latencies on both sides pass the comparison with a zero shift', () => {
  const canary = measured(
    '2.0.0',
    100,
    0,
    Array.from({ length: 100 }, () => 5),
  );
  const baseline = measured(
    '1.0.0',
    300,
    0,
    Array.from({ length: 300 }, () => 5),
  );
  const j = judgeLatencyShift(canary, baseline, settings, 50);
  assert.equal(j.verdict, 'pass');
  assert.equal(shift(j).estimate, 0);
  assert.deepEqual(shift(j).interval, { lower: 0, upper: 0, confidence: 0.95 });
});

void test('a significant but small latency difference passes; a significant large one fails', () => {
  const baseline = measured('1.0.0', 400, 0, steady(400, 2));
  const smallShift = judgeLatencyShift(measured('2.0.0', 100, 0, steady(100, 6)), baseline, settings, 50);
  assert.equal(smallShift.verdict, 'pass');
  assert.ok(shift(smallShift).pValue! < 0.05);
  assert.match(smallShift.reason, /within the tolerance .*tolerated \+50 ms/);

  const largeShift = judgeLatencyShift(measured('2.0.0', 100, 0, steady(100, 120)), baseline, settings, 50);
  assert.equal(largeShift.verdict, 'fail');
  assert.equal(shift(largeShift).estimate, 118);
  assert.ok(shift(largeShift).interval!.lower! > 50);
});

void test('a faster canary never fails the comparison', () => {
  const baseline = measured('1.0.0', 400, 0, steady(400, 200));
  const j = judgeLatencyShift(measured('2.0.0', 100, 0, steady(100, 5)), baseline, settings, 50);
  assert.equal(j.verdict, 'pass');
  assert.ok(shift(j).estimate < 0);
});

void test('the overall verdict: any fail fails, otherwise any inconclusive is inconclusive', () => {
  const pass = judgeValue('error-rate', 0, { max: 0.05 });
  const fail = judgeValue('error-rate', 0.2, { max: 0.05 });
  const unsure = judgeValue('custom', Number.NaN, { max: 1 });
  assert.equal(overallVerdict([pass, unsure, fail], []).verdict, 'fail');
  assert.equal(overallVerdict([pass, unsure], []).verdict, 'inconclusive');
  assert.equal(overallVerdict([pass], ['comparison to baseline skipped']).verdict, 'pass');
  assert.match(
    overallVerdict([pass], ['comparison to baseline skipped']).reason,
    /comparison to baseline skipped/,
  );
});

void test('the built-in provider on a target without a router is inconclusive and names the fix', async () => {
  const target = createTarget(
    {
      type: 'command',
      operations: { deploy: ['true'], rollback: ['true'] },
      timeout: '5s',
      env: [],
      retryableExitCodes: [],
    },
    { stage: 'prod', stateDir: await tempDir(), logger: testLogger },
  );
  const now = Date.now();
  const result = await createAnalyzer({ logger: testLogger }).analyze({
    app: 'shop',
    stage: 'prod',
    canaryVersion: '2.0.0',
    baselineVersion: '1.0.0',
    step: 1,
    weight: 10,
    config: CanaryConfig.parse({ steps: [{ weight: 10, bake: '1s' }] }),
    window: { start: new Date(now - 1000).toISOString(), end: new Date(now).toISOString() },
    target,
  });
  assert.equal(result.verdict, 'inconclusive');
  assert.match(result.reason, /set canary\.metrics\.provider to "prometheus"/);
});

void test('custom thresholds need a query language: inconclusive with the built-in provider', async () => {
  const { target } = await sampleAppTarget();
  try {
    const now = Date.now();
    const result = await createAnalyzer({ logger: testLogger }).analyze({
      app: 'shop',
      stage: 'prod',
      canaryVersion: '2.0.0',
      step: 1,
      weight: 10,
      config: CanaryConfig.parse({
        steps: [{ weight: 10, bake: '1s' }],
        thresholds: [{ metric: 'custom', query: 'up', min: 1 }],
      }),
      window: { start: new Date(now - 1000).toISOString(), end: new Date(now).toISOString() },
      target,
    });
    assert.equal(result.verdict, 'inconclusive');
    assert.match(
      result.metrics.find((m) => m.name === 'custom')!.reason,
      /need canary\.metrics\.provider "prometheus"/,
    );
    assert.match(result.reason, /comparison to baseline skipped: no stable version serves beside the canary/);
  } finally {
    await target.close();
  }
});
