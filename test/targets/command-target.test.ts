import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLogger } from '../../src/logging/logger.js';
import { createTarget } from '../../src/targets/index.js';
import { TargetError, type Target } from '../../src/targets/target.js';
import { tempDir } from './sample-app.js';

const CLI = path.join(import.meta.dirname, 'fixtures', 'fake-deployer.sh');
const SECRET = 'tok-3f9c2a77e1d04b5c';
const artifacts = [{ name: 'app', ref: 'example/app:1', digest: `sha256:${'b'.repeat(64)}` }];

let calls: string;
before(async () => {
  calls = path.join(await tempDir('tollgate-cli-'), 'calls.log');
  process.env.FAKE_DEPLOYER_CALLS = calls;
  process.env.DEPLOY_TOKEN = SECRET;
  process.env.NOT_PASSED_THROUGH = 'should-not-be-seen';
});

async function callLines(): Promise<string[]> {
  const text = await readFile(calls, 'utf8').catch(() => '');
  return text.trim() === '' ? [] : text.trim().split('\n');
}

async function commandTarget(overrides: Record<string, unknown> = {}) {
  const logLines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void logLines.push(line) },
  });
  const target: Target = createTarget(
    {
      type: 'command',
      operations: {
        deploy: [CLI, 'deploy', '{app}', '{version}', '--stage={stage}', '--weight={weight}', '--key={key}'],
        setWeight: [CLI, 'weight', '{app}', '{version}', '{weight}'],
        promote: [CLI, 'promote', '{app}', '{version}'],
        rollback: [CLI, 'rollback', '{app}', '{version}'],
        status: [CLI, 'status', '{app}', '{version}'],
      },
      timeout: '10s',
      env: ['FAKE_DEPLOYER_CALLS', 'DEPLOY_TOKEN', 'FAKE_DEPLOYER_UNHEALTHY'],
      ...overrides,
    } as Parameters<typeof createTarget>[0],
    { stage: 'prod', stateDir: await tempDir(), logger },
  );
  return { target, logLines };
}

void test('each operation runs its configured command with templated arguments and keeps its output as evidence', async () => {
  await writeFile(calls, '');
  const { target, logLines } = await commandTarget();
  await target.deploy({ key: 'p1/prod/deploy', app: 'shop', version: '1.0.0', artifacts, mode: 'replace' });
  const canary = await target.deploy({
    key: 'p2/prod/deploy',
    app: 'shop',
    version: '2.0.0',
    artifacts,
    mode: 'canary',
  });
  assert.deepEqual(canary.canary, { version: '2.0.0', weight: 0, healthy: true });
  await target.setWeight({ key: 'p2/prod/weight/0', app: 'shop', version: '2.0.0', weight: 25 });
  const promoted = await target.promote({ key: 'p2/prod/promote', app: 'shop', version: '2.0.0' });
  assert.deepEqual(promoted, {
    app: 'shop',
    stable: { version: '2.0.0', healthy: true },
    previousStable: '1.0.0',
  });
  const rolledBack = await target.rollback({ key: 'p2/prod/rollback', app: 'shop' });
  assert.deepEqual(rolledBack.stable, { version: '1.0.0', healthy: true });

  assert.deepEqual(await callLines(), [
    'deploy shop 1.0.0 --stage=prod --weight=100 --key=p1/prod/deploy',
    'deploy shop 2.0.0 --stage=prod --weight=0 --key=p2/prod/deploy',
    'weight shop 2.0.0 25',
    'promote shop 2.0.0',
    'rollback shop 1.0.0',
  ]);

  const log = await target.operationLog();
  assert.deepEqual(
    log.map((e) => [e.key, e.op]),
    [
      ['p1/prod/deploy', 'deploy'],
      ['p2/prod/deploy', 'deploy'],
      ['p2/prod/weight/0', 'setWeight'],
      ['p2/prod/promote', 'promote'],
      ['p2/prod/rollback', 'rollback'],
    ],
  );
  const detail = log[2]!.detail!;
  assert.equal(detail.exitCode, 0);
  assert.deepEqual(detail.argv, [CLI, 'weight', 'shop', '2.0.0', '25']);
  assert.match(detail.stdout as string, /fake-deployer: weight shop 2\.0\.0 25/);
  assert.match(detail.stderr as string, /progress: done/);

  const evidence = JSON.stringify(log);
  assert.ok(!evidence.includes(SECRET), 'the secret never reaches the operation log');
  assert.match(
    detail.stdout as string,
    /using token \[redacted\]/,
    'the command did receive the secret, masked in its output',
  );
  assert.match(
    detail.stdout as string,
    /unlisted variable: <absent>/,
    'variables not listed in env are not passed',
  );
  assert.ok(logLines.length > 0);
  assert.ok(!logLines.join('').includes(SECRET), 'the secret never reaches the logs');
});

void test('a repeated key does not run the command again', async () => {
  await writeFile(calls, '');
  const { target } = await commandTarget();
  const first = await target.deploy({
    key: 'p3/prod/deploy',
    app: 'shop',
    version: '3.0.0',
    artifacts,
    mode: 'canary',
  });
  const second = await target.deploy({
    key: 'p3/prod/deploy',
    app: 'shop',
    version: '3.0.0',
    artifacts,
    mode: 'canary',
  });
  assert.deepEqual(second, first);
  assert.equal((await callLines()).length, 1);
  assert.equal((await target.operationLog()).length, 1);
});

void test('a failing command is a permanent error carrying its stderr, and is not recorded', async () => {
  const { target } = await commandTarget();
  await assert.rejects(
    target.deploy({ key: 'p4/prod/deploy', app: 'shop', version: 'broken', artifacts, mode: 'canary' }),
    (err: unknown) =>
      err instanceof TargetError &&
      !err.retryable &&
      /operations\.deploy .* exited with code 3; stderr: error: release broken has an invalid chart/.test(
        err.message,
      ),
  );
  assert.deepEqual(await target.operationLog(), []);
});

void test('exit codes listed as retryable, and timeouts, are transient errors', async () => {
  const { target } = await commandTarget({ retryableExitCodes: [75], timeout: '1s' });
  await assert.rejects(
    target.deploy({ key: 'p5/prod/deploy', app: 'shop', version: 'locked', artifacts, mode: 'canary' }),
    (err: unknown) => err instanceof TargetError && err.retryable && /exited with code 75/.test(err.message),
  );
  await assert.rejects(
    target.deploy({ key: 'p6/prod/deploy', app: 'shop', version: 'hang', artifacts, mode: 'canary' }),
    (err: unknown) =>
      err instanceof TargetError && err.retryable && /did not finish within 1s/.test(err.message),
  );
});

void test('operations that are not configured, and commands that do not exist, fail with what to fix', async () => {
  const { target } = await commandTarget({
    operations: { deploy: [CLI, 'deploy', '{app}'], rollback: [CLI, 'rollback', '{app}'] },
  });
  await assert.rejects(
    target.setWeight({ key: 'p7/prod/weight/0', app: 'shop', version: '1.0.0', weight: 10 }),
    /has no operations\.setWeight: configure the command that does it/,
  );
  const missing = await commandTarget({
    operations: { deploy: ['/nonexistent/helm', 'upgrade'], rollback: [CLI, 'rollback'] },
  });
  await assert.rejects(
    missing.target.deploy({
      key: 'p8/prod/deploy',
      app: 'shop',
      version: '1.0.0',
      artifacts,
      mode: 'replace',
    }),
    (err: unknown) =>
      err instanceof TargetError &&
      !err.retryable &&
      /cannot run target\.operations\.deploy \(\/nonexistent\/helm\): .*ENOENT/.test(err.message),
  );
});

void test('health comes from the status command', async () => {
  const { target } = await commandTarget();
  await target.deploy({ key: 'p9/prod/deploy', app: 'shop', version: '1.0.0', artifacts, mode: 'replace' });
  assert.deepEqual((await target.status('shop')).stable, { version: '1.0.0', healthy: true });
  process.env.FAKE_DEPLOYER_UNHEALTHY = '1';
  try {
    assert.deepEqual((await target.status('shop')).stable, { version: '1.0.0', healthy: false });
  } finally {
    delete process.env.FAKE_DEPLOYER_UNHEALTHY;
  }
});
