/**
 * Canary outcomes from real traffic: the sample app's versions run behind the local router, the
 * built-in traffic generator drives requests while each step bakes, and the stage activities
 * analyse what the router measured. No verdict is simulated.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createStageActivities } from '../../activities/stage.js';
import { createAnalyzer } from '../../src/canary/analyzer.js';
import { CanaryConfig } from '../../src/canary/config.js';
import type { AnalysisResult, Comparison } from '../../src/canary/types.js';
import type { LocalTarget } from '../../src/targets/local/local-target.js';
import { routerCounts, sampleAppTarget, startLoad, testLogger } from '../targets/sample-app.js';

const artifacts = [
  {
    name: 'shop',
    ref: 'example/shop:1',
    digest: `sha256:${'d'.repeat(64)}`,
    type: 'container-image' as const,
  },
];
// Bakes long enough for the judge's intervals to be decided on this machine's traffic: a shorter
// first step leaves the comparisons inconclusive (too few canary requests), never passed.
const config = CanaryConfig.parse({
  steps: [
    { weight: 30, bake: '4s' },
    { weight: 60, bake: '3s' },
    { weight: 100, bake: '2s' },
  ],
  thresholds: [{ metric: 'error-rate', max: 0.05 }],
  compareToBaseline: { enabled: true, alpha: 0.05, maxLatencyShiftMs: 50 },
  minSamples: 30,
});

let target: LocalTarget;
let activities: ReturnType<typeof createStageActivities>;
before(async () => {
  ({ target } = await sampleAppTarget({ trafficRps: 300, stage: 'prod' }));
  activities = createStageActivities({
    target,
    analyzer: createAnalyzer({ logger: testLogger }),
    logger: testLogger,
  });
  await activities.deploy({
    key: 'p1/prod/deploy',
    app: 'shop',
    stage: 'prod',
    version: '1.0.0',
    artifacts,
    mode: 'replace',
  });
});
after(() => target.close());

/** One canary step as the workflow runs it: set the weight, bake, analyse the bake window. */
async function step(
  promotion: string,
  version: string,
  baseline: string,
  index: number,
): Promise<AnalysisResult> {
  const { weight, bake } = config.steps[index]!;
  const op = (name: string) => ({ key: `${promotion}/prod/${name}/${index}`, app: 'shop', stage: 'prod' });
  await activities.setCanaryWeight({ ...op('weight'), version, weight });
  const start = new Date().toISOString();
  await new Promise((r) => setTimeout(r, Number(String(bake).replace('s', '')) * 1000));
  return activities.analyzeCanary({
    ...op('analysis'),
    canaryVersion: version,
    baselineVersion: baseline,
    step: index + 1,
    weight,
    config,
    window: { start, end: new Date().toISOString() },
  });
}

const judgement = (result: AnalysisResult, name: string) => result.metrics.find((m) => m.name === name);

void test('a healthy canary passes every step and becomes stable', async () => {
  await activities.deploy({
    key: 'p2/prod/deploy',
    app: 'shop',
    stage: 'prod',
    version: '2.0.0',
    artifacts,
    mode: 'canary',
  });
  for (const index of config.steps.keys()) {
    const result = await step('p2', '2.0.0', '1.0.0', index);
    assert.equal(result.verdict, 'pass', `step ${index + 1}: ${result.reason}`);
    assert.equal(result.provider, 'built-in');
    assert.equal(judgement(result, 'error-rate')!.canary, 0);
    assert.ok(judgement(result, 'sample-count')!.canary! >= config.minSamples);
    if (config.steps[index]!.weight < 100)
      for (const name of ['latency-vs-baseline', 'latency-p90-vs-baseline', 'error-rate-vs-baseline'])
        assert.equal(judgement(result, name)!.verdict, 'pass', name);
    else assert.match(result.reason, /at 100% the baseline receives no traffic/);
  }
  const serving = await activities.promoteCanary({
    key: 'p2/prod/promote',
    app: 'shop',
    stage: 'prod',
    version: '2.0.0',
  });
  assert.deepEqual(serving.stable, { version: '2.0.0', healthy: true });
  assert.equal(serving.previousStable, '1.0.0');
});

void test('an error-prone canary fails its first step by error rate and is rolled back while stable keeps serving', async () => {
  const { endpoint } = await target.status('shop');
  const load = startLoad(endpoint!.url, 2);
  await activities.deploy({
    key: 'p3/prod/deploy',
    app: 'shop',
    stage: 'prod',
    version: '3.0.0-errors',
    artifacts,
    mode: 'canary',
  });
  const result = await step('p3', '3.0.0-errors', '2.0.0', 0);
  assert.equal(result.verdict, 'fail', result.reason);
  const errorRate = judgement(result, 'error-rate')!;
  assert.equal(errorRate.verdict, 'fail');
  assert.ok(errorRate.canary! > 0.15 && errorRate.canary! < 0.25, `error rate ${errorRate.canary}`);

  const serving = await activities.rollback({ key: 'p3/prod/rollback', app: 'shop', stage: 'prod' });
  assert.deepEqual(serving.stable, { version: '2.0.0', healthy: true });
  assert.equal(serving.canary, undefined);

  const afterRollback = (await routerCounts(endpoint!.metrics!, 'shop')).get('3.0.0-errors')!;
  await new Promise((r) => setTimeout(r, 500));
  const report = await load.stop();
  const later = (await routerCounts(endpoint!.metrics!, 'shop')).get('3.0.0-errors')!;
  assert.ok(afterRollback.requests > 0);
  assert.deepEqual(later, afterRollback, 'no request reached the rolled-back version after the rollback');

  assert.equal(report.dropped, 0);
  assert.equal(report.byVersion.get('2.0.0')!.failed, 0, 'stable 2.0.0 answered every request throughout');
  assert.ok(report.byVersion.get('2.0.0')!.ok > 0);
});

void test('a slow canary is caught by the latency comparison, not by the error rate', async () => {
  await activities.deploy({
    key: 'p4/prod/deploy',
    app: 'shop',
    stage: 'prod',
    version: '4.0.0-slow',
    artifacts,
    mode: 'canary',
  });
  const result = await step('p4', '4.0.0-slow', '2.0.0', 0);
  assert.equal(result.verdict, 'fail', result.reason);
  assert.equal(judgement(result, 'error-rate')!.verdict, 'pass');
  const comparison = judgement(result, 'latency-vs-baseline')!;
  assert.equal(comparison.verdict, 'fail');
  assert.ok((comparison.comparison as Comparison).pValue! < 0.001);
  assert.ok(
    (comparison.comparison as Comparison).estimate > 50,
    `shift ${(comparison.comparison as Comparison).estimate} ms`,
  );
  const serving = await activities.rollback({ key: 'p4/prod/rollback', app: 'shop', stage: 'prod' });
  assert.deepEqual(serving.stable, { version: '2.0.0', healthy: true });
});

void test('a rollback after a failed canary deploy keeps the current stable version', async () => {
  const failing = await sampleAppTarget({ stage: 'prod' });
  const stage = createStageActivities({
    target: failing.target,
    analyzer: createAnalyzer({ logger: testLogger }),
    logger: testLogger,
  });
  try {
    await stage.deploy({
      key: 'q1/prod/deploy',
      app: 'shop',
      stage: 'prod',
      version: '1.0.0',
      artifacts,
      mode: 'replace',
    });
    await stage.deploy({
      key: 'q2/prod/deploy',
      app: 'shop',
      stage: 'prod',
      version: '2.0.0',
      artifacts,
      mode: 'replace',
    });
    await assert.rejects(
      stage.deploy({
        key: 'q3/prod/deploy',
        app: 'shop',
        stage: 'prod',
        version: '2.0.0',
        artifacts,
        mode: 'canary',
      }),
      (err: Error) => err.name === 'ApplicationFailure' && /already deployed/.test(err.message),
    );
    const serving = await stage.rollback({ key: 'q3/prod/rollback', app: 'shop', stage: 'prod' });
    assert.deepEqual(
      serving.stable,
      { version: '2.0.0', healthy: true },
      'not 1.0.0: promotion q3 never changed this stage',
    );
  } finally {
    await failing.target.close();
  }
});
