import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TargetError } from '../../src/targets/target.js';
import { LocalTargetConfig } from '../../src/targets/config.js';
import { LocalTarget } from '../../src/targets/local/local-target.js';
import {
  routerCounts,
  SAMPLE_APP_COMMAND,
  sampleAppTarget,
  startLoad,
  tempDir,
  testLogger,
} from './sample-app.js';

const artifacts = [{ name: 'app', ref: 'example/app:1', digest: `sha256:${'a'.repeat(64)}` }];
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers) await close();
});

async function newTarget(opts: Parameters<typeof sampleAppTarget>[0] = {}) {
  const made = await sampleAppTarget(opts);
  closers.push(() => made.target.close());
  return made;
}

async function versionsAnswering(url: string, requests: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < requests; i++) {
    const res = await fetch(url);
    await res.arrayBuffer();
    assert.equal(res.status, 200);
    const version = res.headers.get('x-tollgate-version')!;
    seen.set(version, (seen.get(version) ?? 0) + 1);
  }
  return seen;
}

void test('versions run as real processes behind a weighted router; promote makes the canary stable', async () => {
  const { target } = await newTarget();
  const first = await target.deploy({
    key: 'p1/dev/deploy',
    app: 'shop',
    version: '1.0.0',
    artifacts,
    mode: 'replace',
  });
  assert.deepEqual(first.stable, { version: '1.0.0', healthy: true });
  const url = first.endpoint!.url;
  assert.deepEqual([...(await versionsAnswering(url, 5))], [['1.0.0', 5]]);

  const canary = await target.deploy({
    key: 'p2/dev/deploy',
    app: 'shop',
    version: '2.0.0',
    artifacts,
    mode: 'canary',
  });
  assert.deepEqual(canary.canary, { version: '2.0.0', weight: 0, healthy: true });
  assert.deepEqual([...(await versionsAnswering(url, 10))], [['1.0.0', 10]]);

  await target.setWeight({ key: 'p2/dev/weight/0', app: 'shop', version: '2.0.0', weight: 30 });
  const split = await versionsAnswering(url, 100);
  assert.equal(split.get('2.0.0'), 30, 'the canary gets exactly its weight of every 100 requests');
  assert.equal(split.get('1.0.0'), 70);

  const promoted = await target.promote({ key: 'p2/dev/promote', app: 'shop', version: '2.0.0' });
  assert.deepEqual(promoted.stable, { version: '2.0.0', healthy: true });
  assert.equal(promoted.canary, undefined);
  assert.equal(promoted.previousStable, '1.0.0');
  assert.deepEqual([...(await versionsAnswering(url, 10))], [['2.0.0', 10]]);

  const counts = await routerCounts(promoted.endpoint!.metrics!, 'shop');
  assert.equal(counts.get('2.0.0')!.requests, 30 + 10);
  assert.equal(counts.get('1.0.0')!.requests, 5 + 10 + 70);

  const rolledBack = await target.rollback({ key: 'p2/dev/rollback', app: 'shop' });
  assert.deepEqual(rolledBack.stable, { version: '1.0.0', healthy: true });
  assert.deepEqual([...(await versionsAnswering(url, 5))], [['1.0.0', 5]]);
});

void test('weight changes, promotion and rollback drop no request', async () => {
  const { target } = await newTarget();
  const { endpoint } = await target.deploy({
    key: 'k/deploy-1',
    app: 'shop',
    version: '1.0.0',
    artifacts,
    mode: 'replace',
  });
  const load = startLoad(endpoint!.url, 6);
  await target.deploy({ key: 'k/deploy-2', app: 'shop', version: '2.0.0', artifacts, mode: 'canary' });
  for (const [i, weight] of [10, 50, 100].entries()) {
    await target.setWeight({ key: `k/weight/${i}`, app: 'shop', version: '2.0.0', weight });
    await new Promise((r) => setTimeout(r, 150));
  }
  await target.promote({ key: 'k/promote', app: 'shop', version: '2.0.0' });
  await new Promise((r) => setTimeout(r, 150));
  await target.deploy({ key: 'k/deploy-3', app: 'shop', version: '3.0.0', artifacts, mode: 'canary' });
  await target.setWeight({ key: 'k/weight-3', app: 'shop', version: '3.0.0', weight: 50 });
  await new Promise((r) => setTimeout(r, 150));
  await target.rollback({ key: 'k/rollback', app: 'shop' });
  await new Promise((r) => setTimeout(r, 150));
  const report = await load.stop();

  assert.equal(report.dropped, 0, 'no request went unanswered');
  for (const [version, tally] of report.byVersion)
    assert.equal(tally.failed, 0, `${version} answered every request`);
  assert.deepEqual([...report.byVersion.keys()].sort(), ['1.0.0', '2.0.0', '3.0.0']);
});

void test('the traffic generator runs from each weight change until the analysis reads that bake', async () => {
  const { target } = await newTarget({ trafficRps: 100 });
  const { endpoint } = await target.deploy({
    key: 't/deploy-1',
    app: 'shop',
    version: '1.0.0',
    artifacts,
    mode: 'replace',
  });
  const sent = async () => {
    // Answers still on their way are counted once they arrive.
    await new Promise((r) => setTimeout(r, 100));
    let total = 0;
    for (const { requests } of (await routerCounts(endpoint!.metrics!, 'shop')).values()) total += requests;
    return total;
  };
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  assert.equal(await sent(), 0, 'no canary, no generated traffic');

  await target.deploy({ key: 't/deploy-2', app: 'shop', version: '2.0.0', artifacts, mode: 'canary' });
  await target.setWeight({ key: 't/weight/0', app: 'shop', version: '2.0.0', weight: 50 });
  const start = new Date().toISOString();
  await pause(400);
  const traffic = await target.trafficIn({
    app: 'shop',
    version: '2.0.0',
    start,
    end: new Date().toISOString(),
  });
  assert.ok(traffic.requests >= 10, `the bake got traffic: ${traffic.requests} requests to the canary`);
  const judged = await sent();
  await pause(400);
  assert.equal(await sent(), judged, 'none after the analysis read the bake');

  await target.setWeight({ key: 't/weight/1', app: 'shop', version: '2.0.0', weight: 100 });
  await pause(400);
  const next = await sent();
  assert.ok(
    next >= judged + 10,
    `the next weight change bakes with traffic again: ${next - judged} requests`,
  );
  await target.promote({ key: 't/promote', app: 'shop', version: '2.0.0' });
  const promoted = await sent();
  await pause(300);
  assert.equal(await sent(), promoted, 'none once the canary is promoted');
});

void test('a repeated idempotency key returns the recorded result without doing the work again', async () => {
  const { target, stateDir } = await newTarget();
  const first = await target.deploy({
    key: 'p9/dev/deploy',
    app: 'shop',
    version: '1.0.0',
    artifacts,
    mode: 'replace',
  });
  const again = await target.deploy({
    key: 'p9/dev/deploy',
    app: 'shop',
    version: '1.0.0',
    artifacts,
    mode: 'replace',
  });
  assert.deepEqual(again, first);

  const log = await target.operationLog();
  assert.equal(log.length, 1);
  assert.equal(log[0]!.key, 'p9/dev/deploy');
  const pid = log[0]!.detail!.pid as number;
  assert.doesNotThrow(() => process.kill(pid, 0), 'the one process started is still the one serving');

  const persisted = (await readFile(path.join(stateDir, 'operations.jsonl'), 'utf8')).trim().split('\n');
  assert.equal(persisted.length, 1, 'the operation log on disk holds one operation');

  await assert.rejects(
    target.deploy({ key: 'p9/dev/deploy', app: 'shop', version: '2.0.0', artifacts, mode: 'replace' }),
    (err: unknown) =>
      err instanceof TargetError &&
      !err.retryable &&
      /already used for deploy shop 1\.0\.0/.test(err.message),
  );
});

void test('a version process that dies is reported unhealthy and its requests count as errors', async () => {
  const { target } = await newTarget();
  await target.deploy({ key: 'd/1', app: 'shop', version: '1.0.0', artifacts, mode: 'replace' });
  const deployed = await target.deploy({
    key: 'd/2',
    app: 'shop',
    version: '2.0.0',
    artifacts,
    mode: 'canary',
  });
  await target.setWeight({ key: 'd/3', app: 'shop', version: '2.0.0', weight: 50 });
  const canaryPid = (await target.operationLog()).find((e) => e.key === 'd/2')!.detail!.pid as number;

  process.kill(canaryPid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 200));
  const state = await target.status('shop');
  assert.deepEqual(state.canary, { version: '2.0.0', weight: 50, healthy: false });
  assert.deepEqual(state.stable, { version: '1.0.0', healthy: true });

  const statuses = await Promise.all(
    Array.from({ length: 10 }, () => fetch(deployed.endpoint!.url).then((r) => r.status)),
  );
  assert.equal(
    statuses.filter((s) => s === 502).length,
    5,
    'half the requests went to the dead canary and failed',
  );
  const counts = await routerCounts(deployed.endpoint!.metrics!, 'shop');
  assert.equal(counts.get('2.0.0')!.errors, 5);

  const restored = await target.rollback({ key: 'd/4', app: 'shop' });
  assert.deepEqual(restored.stable, { version: '1.0.0', healthy: true });
  assert.equal(restored.canary, undefined);
});

void test('a version that cannot start fails the deploy permanently, with its output', async () => {
  const stateDir = await tempDir();
  const config = LocalTargetConfig.parse({
    type: 'local',
    command: [...SAMPLE_APP_COMMAND, '--behaviour', 'broken'],
  });
  const target = new LocalTarget(config, { stage: 'test', stateDir, logger: testLogger });
  closers.push(() => target.close());
  await assert.rejects(
    target.deploy({ key: 'bad/deploy', app: 'shop', version: '1.0.0', artifacts, mode: 'replace' }),
    (err: unknown) =>
      err instanceof TargetError &&
      !err.retryable &&
      /shop 1\.0\.0 exited \(code 2/.test(err.message) &&
      /behaviour must be healthy, errors, slow or tail/.test(err.message),
  );
  assert.deepEqual(
    await target.operationLog(),
    [],
    'a failed operation is not recorded, so a retry does the work',
  );
});

void test('a target bound to one app refuses others', async () => {
  const stateDir = await tempDir();
  const config = LocalTargetConfig.parse({ type: 'local', command: SAMPLE_APP_COMMAND });
  const target = new LocalTarget(config, { stage: 'prod', stateDir, logger: testLogger, app: 'shop' });
  closers.push(() => target.close());
  await assert.rejects(
    target.deploy({ key: 'x/deploy', app: 'billing', version: '1.0.0', artifacts, mode: 'replace' }),
    /serves shop only, not billing/,
  );
});

void test('apps deploy side by side; the same key sent twice at once still does the work once; a restart serves them all', async () => {
  const { target, stateDir } = await sampleAppTarget();
  const apps = ['shop', 'cart', 'search', 'billing', 'auth'];
  const deploy = (app: string) =>
    target.deploy({ key: `p1/dev/deploy/${app}`, app, version: '1.0.0', artifacts, mode: 'replace' });
  const [first, twin] = await Promise.all([deploy('shop'), deploy('shop'), ...apps.slice(1).map(deploy)]);
  assert.deepEqual(twin, first);
  const log = await target.operationLog();
  assert.deepEqual(log.map((e) => e.app).sort(), [...apps].sort(), 'one operation per app in the log');
  await target.close();

  const config = LocalTargetConfig.parse({ type: 'local', command: SAMPLE_APP_COMMAND });
  const restarted = new LocalTarget(config, { stage: 'test', stateDir, logger: testLogger });
  closers.push(() => restarted.close());
  for (const app of apps) {
    const serving = await restarted.status(app);
    assert.equal(serving.stable?.version, '1.0.0', `${app} is still recorded as serving after the restart`);
    assert.equal(serving.stable?.healthy, true);
  }
});
