/**
 * The Prometheus metrics provider against a real Prometheus server scraping the local router's
 * /metrics every second, and the ways Prometheus can fail to answer.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStageActivities } from '../../activities/stage.js';
import { createAnalyzer } from '../../src/canary/analyzer.js';
import { CanaryConfig } from '../../src/canary/config.js';
import type { AnalysisResult, Comparison } from '../../src/canary/types.js';
import type { LocalTarget } from '../../src/targets/local/local-target.js';
import { freePort } from '../../src/targets/local/version-process.js';
import { startPrometheus, type PrometheusServer } from '../helpers/prometheus.js';
import { routerCounts, sampleAppTarget, testLogger } from '../targets/sample-app.js';

const artifacts = [
  {
    name: 'shop',
    ref: 'example/shop:1',
    digest: `sha256:${'e'.repeat(64)}`,
    type: 'container-image' as const,
  },
];
const analyzer = createAnalyzer({ logger: testLogger });

let target: LocalTarget;
let prometheus: PrometheusServer;
let activities: ReturnType<typeof createStageActivities>;

before(async () => {
  ({ target } = await sampleAppTarget({ trafficRps: 200, stage: 'prod' }));
  activities = createStageActivities({ target, analyzer, logger: testLogger });
  const serving = await activities.deploy({
    key: 'p1/prod/deploy',
    app: 'shop',
    stage: 'prod',
    version: '2.0.0',
    artifacts,
    mode: 'replace',
  });
  prometheus = await startPrometheus({ scrape: [new URL(serving.endpoint!.metrics!).host] });
});
after(async () => {
  await prometheus?.stop();
  await target?.close();
});

function config(overrides: Record<string, unknown> = {}) {
  return CanaryConfig.parse({
    steps: [{ weight: 20, bake: '4s' }],
    metrics: { provider: 'prometheus', url: prometheus.url, timeout: '2s' },
    thresholds: [{ metric: 'error-rate', max: 0.05 }],
    minSamples: 30,
    ...overrides,
  });
}

/** Bakes at `weight` with the traffic generator running, then waits for Prometheus to have scraped the whole window. */
async function bake(promotion: string, version: string, weight: number, ms: number) {
  await activities.setCanaryWeight({
    key: `${promotion}/prod/weight/0`,
    app: 'shop',
    stage: 'prod',
    version,
    weight,
  });
  const start = new Date().toISOString();
  await new Promise((r) => setTimeout(r, ms));
  const end = new Date().toISOString();
  await prometheus.waitForScrapes(2);
  return { start, end };
}

const judgement = (result: AnalysisResult, name: string) => result.metrics.find((m) => m.name === name);

void test('an error-prone canary fails by error rate measured in Prometheus and is rolled back', async () => {
  await activities.deploy({
    key: 'p3/prod/deploy',
    app: 'shop',
    stage: 'prod',
    version: '3.0.0-errors',
    artifacts,
    mode: 'canary',
  });
  const window = await bake('p3', '3.0.0-errors', 20, 4_000);
  const cfg = config({
    thresholds: [
      { metric: 'error-rate', max: 0.05 },
      {
        metric: 'custom',
        query: 'sum(increase(tollgate_router_requests_total{app="{app}",version="{version}"}[{range}]))',
        min: 30,
      },
      {
        // A success ratio must not drop: the same query answered for the baseline version.
        metric: 'custom',
        query:
          '1 - (sum(increase(tollgate_router_errors_total{app="{app}",version="{version}"}[{range}])) or vector(0)) / sum(increase(tollgate_router_requests_total{app="{app}",version="{version}"}[{range}]))',
        compare: { direction: 'decrease', tolerance: { absolute: 0.05 } },
      },
    ],
  });
  const result = await activities.analyzeCanary({
    key: 'p3/prod/analysis/0',
    app: 'shop',
    stage: 'prod',
    canaryVersion: '3.0.0-errors',
    baselineVersion: '2.0.0',
    step: 1,
    weight: 20,
    config: cfg,
    window,
  });
  assert.equal(result.provider, 'prometheus');
  assert.equal(result.verdict, 'fail', result.reason);
  const errorRate = judgement(result, 'error-rate')!;
  assert.equal(errorRate.verdict, 'fail');
  assert.ok(errorRate.canary! > 0.1 && errorRate.canary! < 0.3, `error rate ${errorRate.canary}`);
  assert.equal(judgement(result, 'custom')!.verdict, 'pass', 'the custom query saw the canary requests');
  const successRatio = judgement(result, 'custom-vs-baseline')!;
  assert.equal(successRatio.verdict, 'fail', successRatio.reason);
  assert.equal(successRatio.baseline, 1);
  assert.ok(successRatio.canary! < 0.9, `success ratio ${successRatio.canary}`);
  assert.match(successRatio.reason, /moved beyond the tolerance in the harmful direction .*tolerated −0\.05/);
  assert.equal(
    judgement(result, 'latency-vs-baseline')!.verdict,
    'pass',
    'fast failures do not make the canary slow',
  );

  const serving = await activities.rollback({ key: 'p3/prod/rollback', app: 'shop', stage: 'prod' });
  assert.deepEqual(serving.stable, { version: '2.0.0', healthy: true });
  const rolledBack = (await routerCounts(serving.endpoint!.metrics!, 'shop')).get('3.0.0-errors')!;
  const res = await fetch(serving.endpoint!.url);
  assert.equal(res.headers.get('x-tollgate-version'), '2.0.0');
  await res.arrayBuffer();
  assert.deepEqual((await routerCounts(serving.endpoint!.metrics!, 'shop')).get('3.0.0-errors'), rolledBack);
});

void test('a healthy canary passes with Prometheus', async () => {
  await activities.deploy({
    key: 'p5/prod/deploy',
    app: 'shop',
    stage: 'prod',
    version: '5.0.0',
    artifacts,
    mode: 'canary',
  });
  const window = await bake('p5', '5.0.0', 20, 4_000);
  const result = await analyzer.analyze({
    app: 'shop',
    stage: 'prod',
    canaryVersion: '5.0.0',
    baselineVersion: '2.0.0',
    step: 1,
    weight: 20,
    config: config({
      thresholds: [
        { metric: 'error-rate', max: 0.05 },
        { metric: 'latency-p99', max: 250 },
      ],
    }),
    window,
    target,
  });
  assert.equal(result.verdict, 'pass', result.reason);
  assert.equal(judgement(result, 'latency-p99')!.verdict, 'pass');
  await activities.rollback({ key: 'p5/prod/rollback', app: 'shop', stage: 'prod' });
});

void test('a slow canary is caught by comparing the histograms in Prometheus, not by error rate', async () => {
  await activities.deploy({
    key: 'p4/prod/deploy',
    app: 'shop',
    stage: 'prod',
    version: '4.0.0-slow',
    artifacts,
    mode: 'canary',
  });
  const window = await bake('p4', '4.0.0-slow', 20, 4_000);
  const result = await activities.analyzeCanary({
    key: 'p4/prod/analysis/0',
    app: 'shop',
    stage: 'prod',
    canaryVersion: '4.0.0-slow',
    baselineVersion: '2.0.0',
    step: 1,
    weight: 20,
    config: config(),
    window,
  });
  assert.equal(result.verdict, 'fail', result.reason);
  assert.equal(judgement(result, 'error-rate')!.verdict, 'pass');
  const comparison = judgement(result, 'latency-vs-baseline')!;
  assert.equal(comparison.verdict, 'fail');
  assert.ok(
    (comparison.comparison as Comparison).estimate > 50,
    `shift ${(comparison.comparison as Comparison).estimate} ms`,
  );
  await activities.rollback({ key: 'p4/prod/rollback', app: 'shop', stage: 'prod' });
});

void test("a query Prometheus rejects makes its threshold inconclusive with Prometheus' message", async () => {
  const now = Date.now();
  const result = await analyzer.analyze({
    app: 'shop',
    stage: 'prod',
    canaryVersion: '2.0.0',
    step: 1,
    weight: 20,
    config: config({
      thresholds: [{ metric: 'custom', query: 'sum(rate(tollgate_router_requests_total[', max: 1 }],
    }),
    window: { start: new Date(now - 3_000).toISOString(), end: new Date(now).toISOString() },
    target,
  });
  assert.equal(result.verdict, 'inconclusive');
  assert.match(judgement(result, 'custom')!.reason, /Prometheus rejected the query .*bad_data/);
});

void test('Prometheus unreachable, or something else answering, makes the analysis inconclusive, never a pass', async () => {
  const window = { start: new Date(Date.now() - 3_000).toISOString(), end: new Date().toISOString() };
  const request = { app: 'shop', stage: 'prod', canaryVersion: '2.0.0', step: 1, weight: 20, window, target };

  const closedPort = await freePort();
  const unreachable = await analyzer.analyze({
    ...request,
    config: config({ metrics: { provider: 'prometheus', url: `http://127.0.0.1:${closedPort}` } }),
  });
  assert.equal(unreachable.verdict, 'inconclusive');
  assert.match(
    unreachable.reason,
    new RegExp(
      `Prometheus at http://127\\.0\\.0\\.1:${closedPort}/api/v1/query is unreachable: .*ECONNREFUSED`,
    ),
  );

  const notPrometheus = http.createServer((_req, res) =>
    res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'),
  );
  await new Promise<void>((resolve) => notPrometheus.listen(0, '127.0.0.1', resolve));
  const hang = http.createServer(() => {});
  await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
  try {
    const wrong = await analyzer.analyze({
      ...request,
      config: config({
        metrics: {
          provider: 'prometheus',
          url: `http://127.0.0.1:${(notPrometheus.address() as AddressInfo).port}`,
        },
      }),
    });
    assert.equal(wrong.verdict, 'inconclusive');
    assert.match(
      wrong.reason,
      /answered HTTP 404 with something that is not the Prometheus API \(check canary\.metrics\.url\)/,
    );

    const slow = await analyzer.analyze({
      ...request,
      config: config({
        metrics: {
          provider: 'prometheus',
          url: `http://127.0.0.1:${(hang.address() as AddressInfo).port}`,
          timeout: '300ms',
        },
      }),
    });
    assert.equal(slow.verdict, 'inconclusive');
    assert.match(slow.reason, /unreachable: no answer within 300 ms/);
  } finally {
    hang.closeAllConnections();
    await new Promise((r) => hang.close(r));
    await new Promise((r) => notPrometheus.close(r));
  }
});
