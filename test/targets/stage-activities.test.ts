/**
 * The stage activities inside an activity context (the SDK's MockActivityEnvironment runs them
 * as the worker would): they heartbeat while they work, and a permanent target error becomes a non-retryable
 * ApplicationFailure while a transient one stays retryable.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createStageActivities } from '../../activities/stage.js';
import { createAnalyzer } from '../../src/canary/analyzer.js';
import { createTarget } from '../../src/targets/index.js';
import type { ServingState } from '../../src/targets/target.js';
import { sampleAppTarget, tempDir, testLogger } from './sample-app.js';

const artifacts = [
  {
    name: 'shop',
    ref: 'example/shop:1',
    digest: `sha256:${'9'.repeat(64)}`,
    type: 'container-image' as const,
  },
];
const analyzer = createAnalyzer({ logger: testLogger });
const { target } = await sampleAppTarget({ stage: 'prod' });
after(() => target.close());

void test('a deploy run as an activity heartbeats while it works and returns the serving state', async () => {
  // Starting the sample app takes longer than a few 20 ms intervals.
  const activities = createStageActivities({ target, analyzer, logger: testLogger, heartbeatEveryMs: 20 });
  const env = new MockActivityEnvironment();
  let heartbeats = 0;
  env.on('heartbeat', () => heartbeats++);
  const serving: ServingState = await env.run(() =>
    activities.deploy({
      key: 'p1/prod/deploy',
      app: 'shop',
      stage: 'prod',
      version: '1.0.0',
      artifacts,
      mode: 'replace',
    }),
  );
  assert.deepEqual(serving.stable, { version: '1.0.0', healthy: true });
  assert.ok(heartbeats >= 1);
});

void test('permanent target errors are non-retryable failures, transient ones retryable', async () => {
  const activities = createStageActivities({ target, analyzer, logger: testLogger });
  await assert.rejects(
    new MockActivityEnvironment().run(() =>
      activities.setCanaryWeight({
        key: 'p2/prod/weight/0',
        app: 'shop',
        stage: 'prod',
        version: '9.9.9',
        weight: 10,
      }),
    ),
    (err: unknown) =>
      err instanceof ApplicationFailure &&
      err.nonRetryable &&
      err.type === 'TargetError' &&
      /9\.9\.9 is not the canary/.test(err.message),
  );

  const cli = path.join(import.meta.dirname, 'fixtures', 'fake-deployer.sh');
  process.env.FAKE_DEPLOYER_CALLS = path.join(await tempDir('tollgate-cli-'), 'calls.log');
  const flaky = createTarget(
    {
      type: 'command',
      operations: { deploy: [cli, 'deploy', '{version}'], rollback: [cli, 'rollback'] },
      env: ['FAKE_DEPLOYER_CALLS'],
      retryableExitCodes: [75],
      timeout: '10s',
    },
    { stage: 'prod', stateDir: await tempDir(), logger: testLogger },
  );
  const stage = createStageActivities({ target: flaky, analyzer, logger: testLogger });
  await assert.rejects(
    new MockActivityEnvironment().run(() =>
      stage.deploy({
        key: 'p3/prod/deploy',
        app: 'shop',
        stage: 'prod',
        version: 'locked',
        artifacts,
        mode: 'canary',
      }),
    ),
    (err: unknown) => err instanceof ApplicationFailure && !err.nonRetryable && err.type === 'TargetError',
  );
});
