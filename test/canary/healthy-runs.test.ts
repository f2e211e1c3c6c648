/**
 * No false alarms: the sample app's healthy version judged against itself on real router traffic
 * 20 times in a row never fails, and a `-tail` canary (3 of every 10 requests 400 ms slower) on
 * the same router fails on its tail while its median shift stays within tolerance.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAnalyzer } from '../../src/canary/analyzer.js';
import { CanaryConfig } from '../../src/canary/config.js';
import type { AnalysisResult, Comparison } from '../../src/canary/types.js';
import type { LocalTarget } from '../../src/targets/local/local-target.js';
import { sampleAppTarget, testLogger } from '../targets/sample-app.js';

const RUNS = 20;
const artifacts = [{ name: 'shop', ref: 'example/shop:1', digest: `sha256:${'e'.repeat(64)}` }];
const config = CanaryConfig.parse({ steps: [{ weight: 50, bake: '2s' }], minSamples: 30 });
const analyzer = createAnalyzer({ logger: testLogger.child({}, { level: 'error' }) });

let target: LocalTarget;
before(async () => {
  ({ target } = await sampleAppTarget({ trafficRps: 300, stage: 'prod' }));
  await target.deploy({ key: 'h/1', app: 'shop', version: '1.0.0', artifacts, mode: 'replace' });
});
after(() => target.close());

async function bakeAndAnalyze(canaryVersion: string, ms: number): Promise<AnalysisResult> {
  const start = new Date().toISOString();
  await new Promise((r) => setTimeout(r, ms));
  return analyzer.analyze({
    app: 'shop',
    stage: 'prod',
    canaryVersion,
    baselineVersion: '1.0.0',
    step: 1,
    weight: 50,
    config,
    window: { start, end: new Date().toISOString() },
    target,
  });
}

void test(`a healthy canary is never failed in ${RUNS} bakes of real traffic`, async (t) => {
  await target.deploy({ key: 'h/2', app: 'shop', version: '2.0.0', artifacts, mode: 'canary' });
  const verdicts: string[] = [];
  t.after(() => target.rollback({ key: 'h/4', app: 'shop', toVersion: '1.0.0' }));
  for (let run = 0; run < RUNS; run++) {
    // The traffic generator rests from each analysis until the next weight change, as between steps.
    await target.setWeight({ key: `h/3/${run}`, app: 'shop', version: '2.0.0', weight: 50 });
    const result = await bakeAndAnalyze('2.0.0', 3_000);
    verdicts.push(result.verdict);
    assert.notEqual(result.verdict, 'fail', `run ${run + 1}: ${result.reason}`);
  }
  const passed = verdicts.filter((v) => v === 'pass').length;
  t.diagnostic(`${passed} of ${RUNS} passed, the rest inconclusive`);
  assert.ok(passed >= RUNS / 2, `only ${passed} of ${RUNS} healthy bakes passed: ${verdicts.join(', ')}`);
});

void test('a -tail canary fails on its p90 while its median shift passes', async () => {
  await target.deploy({ key: 't/1', app: 'shop', version: '5.0.0-tail', artifacts, mode: 'canary' });
  await target.setWeight({ key: 't/2', app: 'shop', version: '5.0.0-tail', weight: 50 });
  const result = await bakeAndAnalyze('5.0.0-tail', 3_000);
  assert.equal(result.verdict, 'fail', result.reason);
  const tail = result.metrics.find((m) => m.name === 'latency-p90-vs-baseline')!;
  assert.equal(tail.verdict, 'fail', tail.reason);
  assert.ok((tail.comparison as Comparison).interval!.lower! > 300, tail.reason);
  const shift = result.metrics.find((m) => m.name === 'latency-vs-baseline')!;
  assert.notEqual(shift.verdict, 'fail', `the median alone would not catch it: ${shift.reason}`);
  await target.rollback({ key: 't/3', app: 'shop', toVersion: '1.0.0' });
});
