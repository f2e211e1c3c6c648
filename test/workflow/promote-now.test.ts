/**
 * `promote-now` on a healthy release promotes it: the steps after the operator's decision are
 * not analysed on a bake that never happened (such an analysis reads no traffic, comes out
 * inconclusive and, with onInconclusive: rollback, rolled the release back).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startDevServer } from '../helpers/temporal.js';
import { createWorld, testRelease } from '../helpers/promotion-world.js';

const temporal = await startDevServer();
after(() => temporal.teardown());

void test('promote-now during the first of two canary steps promotes the release instead of rolling it back', async () => {
  const world = await createWorld(temporal);
  await world.run(async () => {
    const base = world.config.pipelines[0]!;
    const config = {
      ...world.config,
      pipelines: [
        {
          ...base,
          stages: base.stages.map((s) =>
            s.canary
              ? {
                  ...s,
                  canary: {
                    ...s.canary,
                    onInconclusive: 'rollback' as const,
                    steps: [
                      { weight: 25, bake: '1h' },
                      { weight: 50, bake: '1h' },
                    ],
                  },
                }
              : s,
          ),
        },
      ],
    };
    // The second step's analysis would find no traffic after a skipped bake: inconclusive.
    const release = testRelease({ labels: { 'test.canary': 'pass,inconclusive' } });
    const { handle, input } = await world.start(release, { config });
    await world.waitFor(handle, (s) => s.gate === 'approval' && s.currentStage === 'staging', 'staging');
    await world.vote(handle, 'bob', 'staging');
    await world.waitFor(handle, (s) => s.gate === 'approval' && s.currentStage === 'prod', 'prod');
    await world.vote(handle, 'bob', 'prod');
    await world.vote(handle, 'carol', 'prod');
    await world.waitFor(handle, (s) => s.gate === 'canary', 'canary baking');
    await world.control(handle, 'erin', 'promote-now', 'metrics look fine, bake skipped');
    const result = await handle.result();
    assert.equal(result.status, 'succeeded', result.outcome);
    const chain = await world.chain(input.promotionId);
    assert.ok(!chain.some((r) => r.type.startsWith('rollback.')), 'nothing was rolled back');
    assert.ok(chain.some((r) => r.type === 'canary.promoted'));
  });
});
