import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, test } from 'node:test';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { startDevServer } from '../helpers/temporal.js';
import { createWorld, testRelease } from '../helpers/promotion-world.js';
import { SA_STATUS, SA_VERSION } from '../../src/temporal/search-attributes.js';

const temporal = await startDevServer();
after(() => temporal.teardown());

void test('a release is promoted through dev, staging and prod with approvals and a 3-step canary', async () => {
  const world = await createWorld(temporal);
  await world.run(async () => {
    const { handle, input } = await world.start(testRelease());

    await world.waitFor(
      handle,
      (s) => s.currentStage === 'staging' && s.gate === 'approval',
      'staging approval',
    );
    const staging = await world.vote(handle, 'bob', 'staging');
    assert.deepEqual((staging as { tally: unknown }).tally, { approvals: 1, quorum: 1 });

    await world.waitFor(handle, (s) => s.currentStage === 'prod' && s.gate === 'approval', 'prod approval');
    await world.vote(handle, 'bob', 'prod');
    await world.vote(handle, 'carol', 'prod');

    const result = await handle.result();
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(
      result.stages.map((s) => s.status),
      ['succeeded', 'succeeded', 'succeeded'],
    );

    // Separation of environments: each stage's operations ran on its own queue, none twice.
    assert.deepEqual(
      world.ops.map((o) => `${o.stage}:${o.op}${o.weight === undefined ? '' : `@${o.weight}`}`),
      [
        'dev:deploy',
        'staging:deploy',
        'prod:deploy',
        'prod:setWeight@10',
        'prod:setWeight@50',
        'prod:setWeight@100',
        'prod:promote',
      ],
    );

    // Every step left evidence, in one gap-free chain.
    const chain = await world.chain(input.promotionId);
    assert.deepEqual(
      chain.map((r) => r.seq),
      chain.map((_, i) => i),
    );
    const types = chain.map((r) => `${r.stage ?? '-'}:${r.type}`);
    for (const expected of [
      '-:promotion.started',
      'dev:policy.evaluated',
      'dev:deploy.completed',
      'staging:approval.requested',
      'staging:approval.vote',
      'staging:approval.granted',
      'prod:canary.analysis',
      'prod:canary.promoted',
      '-:promotion.completed',
    ])
      assert.ok(types.includes(expected), `evidence has ${expected}`);
    const votes = chain.filter((r) => r.type === 'approval.vote');
    assert.deepEqual(
      votes.map((v) => [v.stage, v.actor.id, v.actor.channel]),
      [
        ['staging', 'bob', 'cli'],
        ['prod', 'bob', 'cli'],
        ['prod', 'carol', 'cli'],
      ],
    );
    assert.equal(votes[0]!.data.releaseDigest, input.releaseDigest, 'what the approver saw is recorded');

    const description = await handle.describe();
    assert.equal(description.typedSearchAttributes.get(SA_STATUS), 'succeeded');
    assert.equal(description.typedSearchAttributes.get(SA_VERSION), '1.4.2');

    const history = await handle.fetchHistory();
    // `TOLLGATE_RECORD_HISTORIES=1 npm test -- test/workflow/happy-path.test.ts` records the
    // replay fixture of the current code (v5: stage locks confirmed by the ledger's lock chain);
    // only do that for a workflow change that is guarded with patched(), and keep the earlier
    // versions' fixtures.
    if (process.env.TOLLGATE_RECORD_HISTORIES)
      await writeFile(
        new URL('../fixtures/histories/promotion-v5-lock-chain.json', import.meta.url),
        historyToJSON(history),
      );
    process.stdout.write(
      `# 3-stage promotion with a 3-step canary: ${history.events?.length} history events\n`,
    );
  });
});
