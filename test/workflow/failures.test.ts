import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { after, test } from 'node:test';
import { startDevServer } from '../helpers/temporal.js';
import type { WorkflowHandle } from '@temporalio/client';
import { createWorld, refused, testRelease, type World } from '../helpers/promotion-world.js';

const temporal = await startDevServer();

/** bob approves staging; bob and carol (distinct groups) approve prod. */
async function approveStagingAndProd(world: World, handle: WorkflowHandle): Promise<void> {
  await world.waitFor(
    handle,
    (s) => s.gate === 'approval' && s.currentStage === 'staging',
    'staging approval',
  );
  await world.vote(handle, 'bob', 'staging');
  await world.waitFor(handle, (s) => s.gate === 'approval' && s.currentStage === 'prod', 'prod approval');
  await world.vote(handle, 'bob', 'prod');
  await world.vote(handle, 'carol', 'prod');
}
after(() => temporal.teardown());

void test('a failed policy rule stops the promotion until an authorized approver waives it', async () => {
  const world = await createWorld(temporal);
  await world.run(async () => {
    const { handle, input } = await world.start(
      testRelease({ labels: { 'test.failRules': 'vuln-critical-zero' } }),
    );
    const blocked = await world.waitFor(handle, (s) => s.gate === 'waiver', 'policy block at dev');
    assert.deepEqual(blocked.stages[0]!.policy!.failedRules, ['vuln-critical-zero']);
    assert.equal(world.ops.length, 0, 'nothing deployed while policy fails');

    // bob is not in the waiver groups; alice requested the release.
    await refused(world.waive(handle, 'bob', 'dev', ['vuln-critical-zero']), /may not grant waivers/);
    await refused(world.waive(handle, 'carol', 'dev', ['vuln-critical-zero'], -1000), /already expired/);
    await world.waive(handle, 'carol', 'dev', ['vuln-critical-zero']);

    await world.waitFor(handle, (s) => s.currentStage === 'staging', 'dev done after waiver');
    await world.control(handle, 'erin', 'abort');
    const result = await handle.result();
    assert.equal(result.status, 'aborted');
    const chain = await world.chain(input.promotionId);
    const waiver = chain.find((r) => r.type === 'waiver.granted')!;
    assert.equal(waiver.actor.id, 'carol');
    assert.deepEqual(waiver.data.waives, ['vuln-critical-zero']);
    assert.ok(waiver.controls.includes('ISO27001:A.5.31'));
  });
});

void test('a deploy that fails is rolled back and the promotion ends rolled-back', async () => {
  const world = await createWorld(temporal, { stages: ['dev'] });
  await world.run(async () => {
    const config = world.config;
    const devOnly = {
      ...config,
      pipelines: [{ ...config.pipelines[0]!, stages: [config.pipelines[0]!.stages[0]!] }],
    };
    const { handle, input } = await world.start(testRelease({ labels: { 'test.deploy': 'fail@dev' } }), {
      config: devOnly,
    });
    const result = await handle.result();
    assert.equal(result.status, 'rolled-back');
    assert.match(result.outcome, /deploy to dev failed: .*image pull failed/);
    assert.deepEqual(
      world.ops.map((o) => `${o.stage}:${o.op}`),
      ['dev:rollback'],
    );
    const chain = await world.chain(input.promotionId);
    assert.ok(chain.some((r) => r.type === 'rollback.completed'));
    // A rolled-back promotion ends with a record that says so, not with promotion.failed.
    assert.equal(chain.at(-1)?.type, 'promotion.rolled-back');
    assert.equal(chain.at(-1)?.data.status, 'rolled-back');
  });
});

void test('a failing canary is rolled back automatically at its first step', async () => {
  const world = await createWorld(temporal);
  await world.run(async () => {
    const { handle, input } = await world.start(testRelease({ labels: { 'test.canary': 'fail' } }));
    await approveStagingAndProd(world, handle);
    const result = await handle.result();
    assert.equal(result.status, 'rolled-back');
    assert.match(result.outcome, /canary failed at prod step 1/);
    assert.deepEqual(
      world.ops
        .filter((o) => o.stage === 'prod')
        .map((o) => `${o.op}${o.weight === undefined ? '' : `@${o.weight}`}`),
      ['deploy', 'setWeight@10', 'rollback'],
    );
    const chain = await world.chain(input.promotionId);
    const analysis = chain.find((r) => r.type === 'canary.analysis')!;
    assert.equal(analysis.data.verdict, 'fail');
    assert.ok(chain.some((r) => r.type === 'rollback.completed' && r.stage === 'prod'));
    assert.equal(chain.at(-1)?.type, 'promotion.rolled-back');
    // `TOLLGATE_RECORD_HISTORIES=1 npm test -- test/workflow/failures.test.ts` records the replay
    // fixture of a rolled-back promotion under the `rolled-back-record` patch (v5).
    if (process.env.TOLLGATE_RECORD_HISTORIES)
      await writeFile(
        new URL('../fixtures/histories/promotion-v5-rolled-back-record.json', import.meta.url),
        historyToJSON(await handle.fetchHistory()),
      );
  });
});

void test('abort during the canary rolls back, even though the stage is being cancelled', async () => {
  const world = await createWorld(temporal);
  await world.run(async () => {
    const slowCanary = world.config.pipelines[0]!;
    const config = {
      ...world.config,
      pipelines: [
        {
          ...slowCanary,
          stages: slowCanary.stages.map((s) =>
            s.canary ? { ...s, canary: { ...s.canary, steps: [{ weight: 10, bake: '1h' }] } } : s,
          ),
        },
      ],
    };
    const { handle, input } = await world.start(testRelease(), { config });
    await approveStagingAndProd(world, handle);
    await world.waitFor(
      handle,
      (s) => s.gate === 'canary' && s.stages[2]!.canary?.weight === 10,
      'canary baking',
    );

    await refused(world.control(handle, 'dave', 'abort'), /not the requester nor an operator/);
    await world.control(handle, 'alice', 'abort', 'customer escalation');
    const result = await handle.result();
    assert.equal(result.status, 'aborted');
    assert.match(result.outcome, /aborted by alice: customer escalation/);
    assert.deepEqual(
      world.ops.filter((o) => o.stage === 'prod').map((o) => o.op),
      ['deploy', 'setWeight', 'rollback'],
    );
    const chain = await world.chain(input.promotionId);
    assert.ok(chain.some((r) => r.type === 'rollback.completed' && r.stage === 'prod'));
    assert.equal(chain.at(-1)!.type, 'promotion.aborted');
  });
});

void test('pause holds the canary, promote-now skips the bake, both recorded with who did it', async () => {
  const world = await createWorld(temporal);
  await world.run(async () => {
    const base = world.config.pipelines[0]!;
    const config = {
      ...world.config,
      pipelines: [
        {
          ...base,
          stages: base.stages.map((s) =>
            s.canary ? { ...s, canary: { ...s.canary, steps: [{ weight: 25, bake: '1h' }] } } : s,
          ),
        },
      ],
    };
    const { handle, input } = await world.start(testRelease(), { config });
    await approveStagingAndProd(world, handle);
    await world.waitFor(handle, (s) => s.gate === 'canary', 'canary baking');
    await refused(world.control(handle, 'alice', 'promote-now'), /only operators/);
    await world.control(handle, 'erin', 'pause', 'looking at a dashboard');
    await world.control(handle, 'erin', 'promote-now', 'metrics look fine, bake skipped');
    const paused = await world.waitFor(handle, (s) => s.paused, 'paused');
    assert.equal(paused.status, 'running');
    assert.equal(world.ops.filter((o) => o.op === 'promote').length, 0, 'paused: the canary is not promoted');
    await world.control(handle, 'erin', 'resume');
    const result = await handle.result();
    assert.equal(result.status, 'succeeded');
    const types = (await world.chain(input.promotionId)).map((r) => `${r.type}:${r.actor.id}`);
    for (const t of ['control.paused:erin', 'control.promote-now:erin', 'control.resumed:erin'])
      assert.ok(types.includes(t), t);
  });
});
