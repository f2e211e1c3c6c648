/**
 * `tollgate rollback` as an operator uses it: a subprocess against a real Temporal dev server
 * with real workers and a command target whose "deploy tool" writes the version it serves to a
 * file, so the test reads what the stage serves the way a user would look at it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { createLedger } from '../../src/ledger/create.js';
import { createLogger } from '../../src/logging/logger.js';
import { startDevServer, workflowBundle, type Harness } from '../helpers/temporal.js';
import { createCliWorld, waitForState, writeManifest, type CliWorld, type Run } from './support.js';

let harness: Harness;
let world: CliWorld;
let served: string;

/** What the deploy tool last put into service at prod. */
const serving = async () => (await readFile(path.join(served, 'prod.version'), 'utf8')).trim();

function stages(dir: string): unknown[] {
  const write = ['sh', '-c', `echo {version} > ${dir}/{stage}.version`];
  return [
    {
      name: 'prod',
      target: { type: 'command', operations: { deploy: write, rollback: write } },
      policy: { packs: ['change-management'] },
      approval: { groups: ['release-managers'] },
    },
  ];
}

async function promote(version: string, id: string): Promise<void> {
  const release = await writeManifest(world.dir, id, { version });
  const following = world.tollgate(['promote', release, '--follow', '--id', id], { as: 'rita' });
  await waitForState(harness, id, (s) => s.gate === 'approval', `${id} approval`);
  const vote = await world.tollgate(['approve', id, '--yes'], { as: 'bob' });
  assert.equal(vote.code, 0, vote.stderr);
  const run = await following;
  assert.equal(run.code, 0, run.stdout + run.stderr);
}

const parse = (run: Run) => JSON.parse(run.stdout) as Record<string, unknown>;

const histories = new URL('../fixtures/histories/', import.meta.url);

/**
 * `TOLLGATE_RECORD_HISTORIES=1 npm test -- test/cli/rollback.test.ts` refreshes the replay
 * fixtures of the current code (v3: operator groups and keys from the orchestration worker's
 * config, the signed request checked by the stage worker); only do that for a workflow
 * change that is guarded with patched(), and keep the earlier versions' fixtures.
 */
async function recordHistory(id: string, fixture: string): Promise<void> {
  if (!process.env.TOLLGATE_RECORD_HISTORIES) return;
  const history = await harness.env.client.workflow.getHandle(id).fetchHistory();
  await writeFile(new URL(fixture, histories), historyToJSON(history));
}

before(async () => {
  harness = await startDevServer();
  served = await mkdtemp(path.join(tmpdir(), 'tollgate-served-'));
  world = await createCliWorld(harness, stages(served));
  await promote('1.0.0', 'checkout-v1');
  await promote('2.0.0', 'checkout-v2');
});
after(async () => {
  await world.workers.shutdown();
  await harness.teardown();
});

void test('an operator rolls prod back to the previous version; the rollback is listed, has a history and verifies', async () => {
  assert.equal(await serving(), '2.0.0');
  const run = await world.tollgate(
    ['rollback', 'checkout', '--stage', 'prod', '--reason', 'INC-4711: checkout errors', '--yes'],
    { as: 'erin' },
  );
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(
    run.stdout,
    /rollback rollback-checkout-prod-\w+ started: checkout at prod from 2\.0\.0 to 1\.0\.0, as erin/,
  );
  assert.match(
    run.stdout,
    /rolled back: checkout at prod rolled back from 2\.0\.0 to 1\.0\.0 by erin: INC-4711: checkout errors/,
  );
  assert.equal(await serving(), '1.0.0', 'the stage serves the previous version again');
  const id = /rollback (rollback-checkout-prod-\w+) started/.exec(run.stdout)![1]!;
  await recordHistory(id, 'rollback-v3-restored.json');

  const status = parse(await world.tollgate(['status', id, '--json']));
  assert.equal(status.status, 'rolled-back');
  assert.equal(status.version, '1.0.0');
  const list = JSON.parse((await world.tollgate(['list', '--app', 'checkout', '--json'])).stdout) as {
    promotionId: string;
    status: string;
  }[];
  assert.ok(
    list.some((r) => r.promotionId === id && r.status === 'rolled-back'),
    JSON.stringify(list),
  );

  const history = JSON.parse((await world.tollgate(['history', id, '--json'])).stdout) as {
    type: string;
    actor: { id: string; verifiedBy?: string };
    data: Record<string, unknown>;
  }[];
  assert.deepEqual(
    history.map((r) => r.type),
    ['rollback.requested', 'lock.acquired', 'rollback.completed'],
  );
  const [requested, , completed] = history;
  assert.equal(requested!.actor.id, 'erin', 'who asked');
  assert.match(requested!.actor.verifiedBy ?? '', /^ed25519:principal:erin:/, 'by a verified signature');
  assert.match(String(requested!.data.signature), /^[0-9a-f]{128}$/, 'the signed request is kept');
  assert.equal(requested!.data.reason, 'INC-4711: checkout errors');
  assert.equal(completed!.data.from, '2.0.0');
  assert.equal(completed!.data.restored, '1.0.0');

  const audited = JSON.parse((await world.tollgate(['audit', 'list', '--json'])).stdout) as {
    promotionId: string;
    app: string;
    version: string;
    status: string;
  }[];
  assert.deepEqual(
    audited.filter((p) => p.promotionId === id).map((p) => [p.app, p.version, p.status]),
    [['checkout', '1.0.0', 'rolled-back']],
  );
  const report = await world.tollgate(['audit', 'report', id]);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /rollback/);
  // The auditor's questions are a rollback's, not a promotion's (no policy or approval gates).
  assert.deepEqual(await coverage(id), [
    ['Authorized, signed request', 'met'],
    ['Change documented', 'met'],
    ['Exclusive access to the stage', 'met'],
    ['Previous version restored', 'met'],
  ]);
});

async function coverage(id: string): Promise<[string, string][]> {
  const report = await world.tollgate(['audit', 'report', id, '--format', 'json']);
  assert.equal(report.code, 0, report.stderr);
  const parsed = JSON.parse(report.stdout) as { coverage: { question: string; status: string }[] };
  return parsed.coverage.map((row) => [row.question, row.status]);
}

void test('--to restores a named version; --json output parses', async () => {
  const run = await world.tollgate(
    ['rollback', 'checkout', '--stage', 'prod', '--to', '2.0.0', '--yes', '--json'],
    {
      as: 'erin',
    },
  );
  assert.equal(run.code, 0, run.stderr);
  const result = parse(run);
  assert.equal(result.status, 'rolled-back');
  assert.equal(result.from, '1.0.0');
  assert.equal(result.restored, '2.0.0');
  assert.equal(await serving(), '2.0.0');
});

void test('someone who is not an operator is refused with one line, recorded as security evidence', async () => {
  const before = await serving();
  const run = await world.tollgate(['rollback', 'checkout', '--stage', 'prod', '--yes', '--json'], {
    as: 'bob',
  });
  assert.equal(run.code, 1);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(
    lines[0]!,
    /^refused: bob may not roll back: only operators may \(operators in pipeline default\)$/,
  );
  assert.equal(await serving(), before, 'nothing was rolled back');
  const id = String(parse(run).rollbackId);
  await recordHistory(id, 'rollback-v3-refused.json'); // v3: authority from the worker's config
  const history = JSON.parse((await world.tollgate(['history', id, '--json'])).stdout) as {
    type: string;
    data: Record<string, unknown>;
  }[];
  assert.deepEqual(
    history.map((r) => r.type),
    ['rollback.requested', 'security.refused'],
  );
  assert.equal(history[1]!.data.actor, 'bob');
  const report = JSON.parse((await world.tollgate(['audit', 'report', id, '--format', 'json'])).stdout) as {
    refusals: { actor?: string }[];
  };
  assert.deepEqual(
    report.refusals.map((r) => r.actor),
    ['bob'],
    'the refused request is listed',
  );
  assert.deepEqual((await coverage(id)).slice(0, 1), [['Authorized, signed request', 'not met']]);
});

void test('a promotion holding the stage makes the rollback refuse and name it', async () => {
  const release = await writeManifest(world.dir, 'checkout-v3', { version: '3.0.0' });
  assert.equal((await world.tollgate(['promote', release, '--id', 'checkout-v3'], { as: 'rita' })).code, 0);
  await waitForState(harness, 'checkout-v3', (s) => s.gate === 'approval', 'v3 approval');
  const run = await world.tollgate(['rollback', 'checkout', '--stage', 'prod', '--yes'], { as: 'erin' });
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /^failed: checkout is being promoted to prod by checkout-v3: abort it first \(tollgate abort checkout-v3\)/,
  );
  assert.equal((await world.tollgate(['abort', 'checkout-v3', '--yes'], { as: 'rita' })).code, 0);
});

void test('an unknown stage or app is exit code 2 with one line', async () => {
  const stage = await world.tollgate(['rollback', 'checkout', '--stage', 'qa', '--yes'], { as: 'erin' });
  assert.equal(stage.code, 2);
  assert.deepEqual(stage.stderr.trim().split('\n'), ['error: no stage qa (stages: prod)']);
  const app = await world.tollgate(['rollback', 'nope', '--stage', 'prod', '--yes'], { as: 'erin' });
  assert.equal(app.code, 2);
  assert.deepEqual(app.stderr.trim().split('\n'), [
    'error: nope is not deployed at prod: nothing to roll back',
  ]);
});

void test('the ledger verifies after the rollbacks, archives included', async () => {
  // The archive child copies each closed history; give the last one a moment to land.
  const verify = async () => world.tollgate(['audit', 'verify', '--all']);
  let run = await verify();
  for (let i = 0; i < 50 && !/archive rollback-/.test(run.stdout); i++) {
    await new Promise((r) => setTimeout(r, 200));
    run = await verify();
  }
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /ok +archive rollback-checkout-prod-\w+\/history-/);
  assert.match(run.stdout, /verified \d+ chain\(s\)/);

  // An auditor replays a rollback from the archive, and from Temporal at the --address given
  // (which wins over the Temporal environment, here pointing nowhere).
  const id = /archive (rollback-checkout-prod-\w+)\//.exec(run.stdout)![1]!;
  const archived = await world.tollgate(['audit', 'replay', id]);
  assert.equal(archived.code, 0, archived.stdout + archived.stderr);
  assert.match(
    archived.stdout,
    /ok {3}archive:rollback-checkout-prod-\w+\/history-.*\(rollback .*\): replays deterministically/,
  );
  assert.match(archived.stdout, /ok {3}ledger rollback-checkout-prod-\w+: \d+ records match the history/);
  const online = await world.tollgate(['--address', harness.env.address, 'audit', 'replay', id, '--online'], {
    env: { TEMPORAL_ADDRESS: '127.0.0.1:1' },
  });
  assert.equal(online.code, 0, online.stdout + online.stderr);
  assert.match(online.stdout, /replays deterministically/);
});

void test('recorded rollback histories replay against the current workflow code', async () => {
  const fixtures = (await readdir(histories)).filter((f) => f.startsWith('rollback-') && f.endsWith('.json'));
  assert.deepEqual(fixtures.sort(), [
    'rollback-v1-refused.json',
    'rollback-v1-restored.json',
    'rollback-v2-restored.json',
    'rollback-v3-refused.json',
    'rollback-v3-restored.json',
  ]);
  for (const file of fixtures) {
    const history = historyFromJSON(JSON.parse(await readFile(new URL(file, histories), 'utf8')) as unknown);
    const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const input = JSON.parse(Buffer.from(payload.data!).toString('utf8')) as { rollbackId: string };
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, input.rollbackId);
  }
});

void test('the rollback prompt names the version to restore and warns when that version failed a canary', async () => {
  const ledger = await createLedger(
    { type: 'file', path: path.join(world.dir, 'ledger') },
    { logger: createLogger({ level: 'error', pretty: false }) },
  );
  try {
    // What the ledger holds after a promotion of 1.0.0 whose prod canary failed.
    const base = { chainId: 'checkout-failed-canary', promotionId: 'checkout-failed-canary' };
    const actor = { id: 'tollgate', channel: 'system' as const };
    await ledger.append({
      ...base,
      seq: 0,
      type: 'promotion.started',
      actor,
      time: new Date().toISOString(),
      data: {
        release: { app: 'checkout', version: '1.0.0', requester: 'rita' },
        pipeline: 'default',
        stages: ['prod'],
      },
    });
    await ledger.append({
      ...base,
      seq: 1,
      stage: 'prod',
      type: 'canary.analysis',
      actor,
      time: new Date().toISOString(),
      data: { verdict: 'fail', step: 1, weight: 25, reason: 'error-rate 0.2 > 0.05' },
    });
  } finally {
    await ledger.close();
  }
  const run = await world.tollgate(['rollback', 'checkout', '--stage', 'prod', '--to', '1.0.0'], {
    as: 'erin',
  });
  assert.equal(run.code, 2, 'no terminal to confirm on');
  assert.match(
    run.stderr,
    /warning: 1\.0\.0 failed its canary at prod in promotion checkout-failed-canary \(.*error-rate 0\.2 > 0\.05\); name another version with --to/,
  );
  assert.match(run.stderr, /refusing to roll back without confirmation/);
});
