/**
 * Stage lock messages forged as an outside client would send them (raw Temporal client): a
 * lockAnswer granting a waiting promotion, a lockRelease naming the holder, and a lock workflow
 * terminated and started again by the attacker. The ledger's lock chain decides who holds the
 * stage: the waiter keeps waiting, the refusal is in its evidence chain, and the stage worker
 * refuses to deploy for anyone but the holder.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StageActivities } from '../../activities/contracts.js';
import { lockChainId } from '../../activities/lock-chain.js';
import type { DsseEnvelope } from '../../src/domain/attestation.js';
import type { Pipeline } from '../../src/config/schema.js';
import { stageLockWorkflowId } from '../../workflows/stage-lock.js';
import { createWorld, testConfig, testRelease, type World } from '../helpers/promotion-world.js';
import { startDevServer } from '../helpers/temporal.js';

const temporal = await startDevServer();
after(() => temporal.teardown());
const client = temporal.env.client;
const forgedWorkflows = fileURLToPath(new URL('../fixtures/workflows/forged.ts', import.meta.url));

const devStage = testConfig().pipelines[0]!.stages[0]!;
/** One stage, `dev`, that waits for an approval, so a promotion holds the stage for a while. */
const devWithApproval = testConfig({
  onConflict: 'queue' satisfies Pipeline['onConflict'],
  stages: [
    {
      ...devStage,
      approval: { groups: ['release-managers'], quorum: 1, distinctGroups: false, timeout: '1h' },
    },
  ],
});

async function lockRefusals(world: World, promotionId: string): Promise<string[]> {
  return (await world.chain(promotionId))
    .filter((r) => r.type === 'security.refused' && r.data.refusal === 'lockAnswer')
    .map((r) => String(r.data.reason));
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A holder waiting for its approval at dev, and a second promotion of the same app queued behind it. */
async function holderAndWaiter(world: World, app: string) {
  const holder = await world.start(testRelease({ app, version: '1.0.0' }), { config: devWithApproval });
  await world.waitFor(holder.handle, (s) => s.gate === 'approval', 'holder waiting for approval');
  const waiter = await world.start(testRelease({ app, version: '2.0.0' }), { config: devWithApproval });
  await world.waitFor(waiter.handle, (s) => s.gate === 'lock', 'waiter queued for the stage');
  return { holder, waiter };
}

/** The waiter refused a forged grant (recorded), is still waiting, and the holder still holds. */
async function waiterKeptWaiting(
  world: World,
  { holder, waiter }: Awaited<ReturnType<typeof holderAndWaiter>>,
) {
  const reasons = await eventually('the refused lock answer in the evidence', async () => {
    const found = await lockRefusals(world, waiter.input.promotionId);
    return found.length > 0 ? found : undefined;
  });
  assert.match(reasons[0]!, new RegExp(`held by ${holder.input.promotionId}`));
  assert.equal((await world.waitFor(waiter.handle, () => true, 'waiter')).gate, 'lock');
  assert.equal((await world.waitFor(holder.handle, () => true, 'holder')).gate, 'approval');
  assert.deepEqual(
    world.ops.map((o) => `${o.op}:${o.version}`),
    [],
    'nothing deployed while the holder waits',
  );
}

/** The holder finishes and releases; only then is the waiter granted, and both deploy in turn. */
async function grantedInTurn(
  world: World,
  app: string,
  { holder, waiter }: Awaited<ReturnType<typeof holderAndWaiter>>,
) {
  await world.vote(holder.handle, 'bob', 'dev');
  assert.equal((await holder.handle.result()).status, 'succeeded');
  await world.waitFor(waiter.handle, (s) => s.gate === 'approval', 'waiter granted after the release');
  await world.vote(waiter.handle, 'bob', 'dev');
  assert.equal((await waiter.handle.result()).status, 'succeeded');
  assert.deepEqual(
    world.ops.map((o) => `${o.op}:${o.version}`),
    ['deploy:1.0.0', 'deploy:2.0.0'],
  );
  const chain = (await world.ledger.read(lockChainId(app, 'dev')))
    .slice(-4)
    .map((r) => `${r.type}:${String((r.data.holder as { promotionId: string }).promotionId)}`);
  assert.deepEqual(chain, [
    `lock.acquired:${holder.input.promotionId}`,
    `lock.released:${holder.input.promotionId}`,
    `lock.acquired:${waiter.input.promotionId}`,
    `lock.released:${waiter.input.promotionId}`,
  ]);
}

void test('a forged lockAnswer does not grant a waiting promotion the stage; the refusal is recorded', async () => {
  const world = await createWorld(temporal, { stages: ['dev'] });
  await world.run(async () => {
    const pair = await holderAndWaiter(world, 'answer-api');
    await client.workflow
      .getHandle(pair.waiter.input.promotionId)
      .signal('lockAnswer', { stage: 'dev', granted: true });
    await waiterKeptWaiting(world, pair);
    await grantedInTurn(world, 'answer-api', pair);
  });
});

void test('a forged lockRelease naming the holder does not take the stage from it', async () => {
  const world = await createWorld(temporal, { stages: ['dev'] });
  await world.run(async () => {
    const pair = await holderAndWaiter(world, 'release-api');
    await client.workflow
      .getHandle(stageLockWorkflowId('release-api', 'dev'))
      .signal('lockRelease', { workflowId: pair.holder.input.promotionId });
    await waiterKeptWaiting(world, pair);
    await grantedInTurn(world, 'release-api', pair);
  });
});

void test('a lock workflow terminated and forged to grant the waiter grants nothing; the stage worker deploys only for the holder', async () => {
  const world = await createWorld(temporal, { stages: ['dev'] });
  const attacker = await temporal.createWorker({
    workflowsPath: forgedWorkflows,
    taskQueue: temporal.taskQueue('attacker'),
  });
  await world.run(() =>
    attacker.runUntil(async () => {
      const app = 'forged-lock-api';
      // An earlier promotion through dev leaves genuine attestations for the attacker to replay.
      const earlier = await world.start(testRelease({ app, version: '0.9.0' }), {
        config: testConfig({ stages: [devStage] }),
      });
      assert.equal((await earlier.handle.result()).status, 'succeeded');
      const envelopes = (await world.chain(earlier.input.promotionId))
        .filter((r) => r.type === 'stage.attested')
        .map((r) => r.data.envelope as DsseEnvelope);
      world.ops.length = 0;

      const pair = await holderAndWaiter(world, app);
      const lockId = stageLockWorkflowId(app, 'dev');
      await client.workflow.getHandle(lockId).terminate('attacker');
      await client.workflow.start('stageLock', {
        taskQueue: world.taskQueue,
        workflowId: lockId,
        args: [
          {
            app,
            stage: 'dev',
            queue: [
              {
                promotionId: pair.waiter.input.promotionId,
                workflowId: pair.waiter.input.promotionId,
                mode: 'queue',
              },
            ],
          },
        ],
      });
      await waiterKeptWaiting(world, pair);

      // The attacker's own workflow replays the earlier promotion's genuine attestations to deploy
      // its old version while the holder holds dev: the stage worker checks the lock chain.
      const release = testRelease({ app, version: '0.9.0' });
      const req: Parameters<StageActivities['deploy']>[0] = {
        key: `${earlier.input.promotionId}/dev/deploy-${randomUUID().slice(0, 8)}`,
        app,
        stage: 'dev',
        version: '0.9.0',
        artifacts: release.artifacts,
        mode: 'replace',
        proof: { attestations: envelopes },
      };
      const outcome = (await client.workflow.execute('forgedStageCall', {
        taskQueue: attacker.options.taskQueue,
        workflowId: `attack-${randomUUID()}`,
        args: [{ taskQueue: `${world.deployQueuePrefix}dev`, activity: 'deploy', args: [req] }],
      })) as { ok: boolean; type?: string; message?: string };
      assert.equal(outcome.ok, false);
      assert.equal(outcome.type, 'AdmissionRefused');
      const heldBy = new RegExp(`held by promotion ${pair.holder.input.promotionId}`);
      assert.match(outcome.message ?? '', heldBy);
      assert.deepEqual(world.ops, [], 'the target was not touched');
      const recorded = (await world.ledger.read('security:deploy-dev')).map((r) => String(r.data.reason));
      assert.ok(
        recorded.some((r) => heldBy.test(r)),
        'the refusal is in the ledger',
      );

      await grantedInTurn(world, app, pair);
    }),
  );
});

void test('a holder terminated without releasing does not block the stage: the waiter takes it over, recorded', async () => {
  const world = await createWorld(temporal, { stages: ['dev'] });
  await world.run(async () => {
    const { holder, waiter } = await holderAndWaiter(world, 'takeover-api');
    await client.workflow.getHandle(holder.input.promotionId).terminate('attacker');
    await world.waitFor(waiter.handle, (s) => s.gate === 'approval', 'waiter took over the stage');
    const [last] = (await world.ledger.read(lockChainId('takeover-api', 'dev'))).slice(-1);
    assert.equal(last?.type, 'lock.acquired');
    assert.equal((last?.data.holder as { promotionId: string }).promotionId, waiter.input.promotionId);
    assert.equal((last?.data.takenOverFrom as { workflowId: string }).workflowId, holder.input.promotionId);
    await world.vote(waiter.handle, 'bob', 'dev');
    assert.equal((await waiter.handle.result()).status, 'succeeded');
    assert.deepEqual(
      world.ops.map((o) => `${o.op}:${o.version}`),
      ['deploy:2.0.0'],
    );
  });
});
