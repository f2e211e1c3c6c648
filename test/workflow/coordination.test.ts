import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startDevServer } from '../helpers/temporal.js';
import { createWorld, testConfig, testRelease, type World } from '../helpers/promotion-world.js';
import { LINE_WORKFLOW_ID, setFreezeUpdate } from '../../workflows/line.js';
import type { Pipeline } from '../../src/config/schema.js';

const temporal = await startDevServer();
after(() => temporal.teardown());

/** One stage, `dev`, that waits for an approval, so a promotion holds the stage for a while. */
function devWithApproval(onConflict: Pipeline['onConflict']) {
  const base = testConfig().pipelines[0]!;
  return testConfig({
    onConflict,
    stages: [
      {
        ...base.stages[0]!,
        approval: { groups: ['release-managers'], quorum: 1, distinctGroups: false, timeout: '1h' },
      },
    ],
  });
}

async function twoPromotions(world: World, onConflict: Pipeline['onConflict']) {
  const config = devWithApproval(onConflict);
  const first = await world.start(testRelease({ version: '1.0.0' }), { config });
  await world.waitFor(first.handle, (s) => s.gate === 'approval', 'first promotion waiting for approval');
  const second = await world.start(testRelease({ version: '2.0.0' }), { config });
  return { first, second };
}

void test('onConflict queue: a second promotion of the same app waits for the stage', async () => {
  const world = await createWorld(temporal, { stages: ['dev'] });
  await world.run(async () => {
    const { first, second } = await twoPromotions(world, 'queue');
    await world.waitFor(second.handle, (s) => s.gate === 'lock', 'second promotion queued');
    await world.vote(first.handle, 'bob', 'dev');
    assert.equal((await first.handle.result()).status, 'succeeded');
    await world.waitFor(second.handle, (s) => s.gate === 'approval', 'second promotion got the stage');
    await world.vote(second.handle, 'bob', 'dev');
    assert.equal((await second.handle.result()).status, 'succeeded');
    assert.deepEqual(
      world.ops.map((o) => `${o.op}:${o.version}`),
      ['deploy:1.0.0', 'deploy:2.0.0'],
    );
    const types = (await world.chain(second.input.promotionId)).map((r) => r.type);
    assert.ok(types.indexOf('lock.acquired') > 0);
  });
});

void test('onConflict reject: a second promotion fails at once, naming the one that holds the stage', async () => {
  const world = await createWorld(temporal, { stages: ['dev'] });
  await world.run(async () => {
    const { first, second } = await twoPromotions(world, 'reject');
    const result = await second.handle.result();
    assert.equal(result.status, 'failed');
    assert.match(result.outcome, new RegExp(`already being promoted to dev by ${first.input.promotionId}`));
    assert.equal(
      (await world.waitFor(first.handle, () => true, 'state')).gate,
      'approval',
      'first one is untouched',
    );
    await world.vote(first.handle, 'bob', 'dev');
    assert.equal((await first.handle.result()).status, 'succeeded');
  });
});

void test('onConflict supersede: the newer promotion takes the stage; the older one ends superseded', async () => {
  const world = await createWorld(temporal, { stages: ['dev'] });
  await world.run(async () => {
    const { first, second } = await twoPromotions(world, 'supersede');
    const firstResult = await first.handle.result();
    assert.equal(firstResult.status, 'superseded');
    assert.match(firstResult.outcome, new RegExp(`superseded by promotion ${second.input.promotionId}`));
    await world.waitFor(second.handle, (s) => s.gate === 'approval', 'second promotion got the stage');
    await world.vote(second.handle, 'bob', 'dev');
    assert.equal((await second.handle.result()).status, 'succeeded');
    assert.equal((await world.chain(first.input.promotionId)).at(-1)!.type, 'promotion.superseded');
  });
});

void test('stop-the-line freeze holds running and new promotions before their next deploy until lifted', async () => {
  const world = await createWorld(temporal);
  await world.run(async () => {
    const running = await world.start(testRelease({ app: 'invoices' }));
    await world.waitFor(
      running.handle,
      (s) => s.gate === 'approval' && s.currentStage === 'staging',
      'staging approval',
    );

    const line = await world.client.workflow.start('freeze', {
      workflowId: LINE_WORKFLOW_ID,
      taskQueue: world.taskQueue,
      args: [{}],
    });
    const frozen = await line.executeUpdate(setFreezeUpdate, {
      args: [world.freezeAction('erin', true, 'INC-9 payments outage')],
    });
    assert.equal(frozen.notified, 1, 'the running promotion was told');

    await world.vote(running.handle, 'bob', 'staging');
    const held = await world.waitFor(running.handle, (s) => s.gate === 'freeze', 'held by the freeze');
    assert.deepEqual(held.frozen, { reason: 'INC-9 payments outage', by: 'erin' });
    assert.ok(!world.ops.some((o) => o.stage === 'staging'), 'no staging deploy while frozen');

    const late = await world.start(testRelease({ app: 'ledger-api' }));
    await world.waitFor(
      late.handle,
      (s) => s.gate === 'freeze' && s.currentStage === 'dev',
      'new promotion held at dev',
    );
    assert.ok(!world.ops.some((o) => o.app === 'ledger-api'));

    // A freeze signed by someone who is not an operator is ignored and recorded.
    await running.handle.signal('freeze', world.freezeAction('dave', false, 'I want my deploy'));
    assert.equal((await world.waitFor(running.handle, () => true, 'state')).gate, 'freeze');

    await line.executeUpdate(setFreezeUpdate, {
      args: [world.freezeAction('erin', false, 'outage resolved')],
    });
    await world.waitFor(running.handle, (s) => s.currentStage === 'prod', 'continued to prod after unfreeze');
    await world.waitFor(
      late.handle,
      (s) => s.currentStage === 'staging',
      'new promotion deployed dev after unfreeze',
    );
    for (const { handle } of [running, late]) {
      // A bare cancel is refused for a signed promotion: abort is the signed control.
      await world.control(handle, 'erin', 'abort');
      await handle.result();
    }

    const types = (await world.chain(running.input.promotionId)).map((r) => `${r.stage ?? '-'}:${r.type}`);
    for (const t of [
      'staging:freeze.held',
      'staging:security.refused', // recorded at the stage where it arrived
      'staging:freeze.lifted',
      'staging:deploy.completed',
    ])
      assert.ok(types.includes(t), t);
    assert.ok(types.indexOf('staging:freeze.lifted') < types.indexOf('staging:deploy.completed'));
    await line.terminate();
  });
});
