/**
 * Messages that change a running promotion, sent straight to Temporal as an outside client
 * would: unsigned or wrongly signed supersede, freeze and cancel, a replayed older unfreeze, a
 * requester approving their own release under another name, and a flood of refused votes.
 * Each is refused, the promotion is unchanged, and the refusal is in its evidence chain.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { generateSigningKey, newNonce, signAction } from '../../src/keys.js';
import type { FreezeAction } from '../../src/approvals/actions.js';
import { RECORDED_REFUSALS } from '../../workflows/refusals.js';
import { LINE_CHAIN, LINE_WORKFLOW_ID, setFreezeUpdate } from '../../workflows/line.js';
import { createWorld, keyIdOf, keys, refused, testRelease, type World } from '../helpers/promotion-world.js';
import { startDevServer } from '../helpers/temporal.js';

const temporal = await startDevServer();
after(() => temporal.teardown());

async function refusals(world: World, promotionId: string): Promise<{ refusal: string; reason: string }[]> {
  return (await world.chain(promotionId))
    .filter((r) => r.type === 'security.refused')
    .map((r) => ({ refusal: String(r.data.refusal), reason: String(r.data.reason) }));
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const freeze = (
  person: 'erin' | 'dave',
  frozen: boolean,
  reason: string,
  issuedAt: Date,
): ReturnType<typeof signAction<FreezeAction>> =>
  signAction<FreezeAction>(
    {
      promotionId: '*',
      actor: person,
      channel: 'cli',
      issuedAt: issuedAt.toISOString(),
      nonce: newNonce(),
      kind: 'freeze',
      frozen,
      reason,
    },
    keyIdOf(person),
    keys[person],
  );

void test('unsigned supersede, forged freeze and a bare cancel are refused and recorded; the promotion goes on', async () => {
  const world = await createWorld(temporal);
  await world.run(async () => {
    const { handle, input } = await world.start(testRelease({ app: 'messages-api' }));
    await world.waitFor(
      handle,
      (s) => s.currentStage === 'staging' && s.gate === 'approval',
      'staging approval',
    );

    await handle.signal('superseded', { by: 'attacker-promotion' });
    const otherKey = generateSigningKey();
    await handle.signal(
      'freeze',
      signAction<FreezeAction>(
        {
          promotionId: '*',
          actor: 'erin',
          channel: 'cli',
          issuedAt: new Date().toISOString(),
          nonce: newNonce(),
          kind: 'freeze',
          frozen: true,
          reason: 'forged',
        },
        keyIdOf('erin'),
        otherKey,
      ),
    );
    await handle.signal('freeze', freeze('dave', true, 'not an operator', new Date()));
    await handle.cancel();

    const recorded = await eventually('four recorded refusals', async () => {
      const found = await refusals(world, input.promotionId);
      return found.length >= 4 ? found : undefined;
    });
    assert.deepEqual(recorded.map((r) => r.refusal).sort(), ['cancel', 'freeze', 'freeze', 'superseded']);
    assert.match(recorded.find((r) => r.refusal === 'superseded')!.reason, /no signed start/);
    assert.ok(recorded.some((r) => /signature does not verify/.test(r.reason)));
    assert.ok(recorded.some((r) => /dave is not an operator/.test(r.reason)));

    const state = await world.waitFor(handle, () => true, 'state');
    assert.equal(state.status, 'running');
    assert.equal(state.gate, 'approval', 'not frozen, not aborted');
    await world.vote(handle, 'bob', 'staging');
    await world.waitFor(handle, (s) => s.currentStage === 'prod' && s.gate === 'approval', 'prod approval');
    await world.control(handle, 'erin', 'abort', 'signed abort still works');
    assert.equal((await handle.result()).status, 'aborted');
  });
});

void test('a replayed older unfreeze cannot lift a newer freeze, at the promotion or at the line', async () => {
  const world = await createWorld(temporal);
  await world.run(async () => {
    const { handle, input } = await world.start(testRelease({ app: 'freeze-order-api' }));
    await world.waitFor(
      handle,
      (s) => s.currentStage === 'staging' && s.gate === 'approval',
      'staging approval',
    );
    const older = freeze('erin', false, 'outage over (yesterday)', new Date(Date.now() - 3600_000));
    await handle.signal('freeze', freeze('erin', true, 'INC-12 outage', new Date()));
    await handle.signal('freeze', older);
    const recorded = await eventually('the refused unfreeze', async () => {
      const found = (await refusals(world, input.promotionId)).filter((r) => r.refusal === 'freeze');
      return found.length > 0 ? found : undefined;
    });
    assert.match(recorded[0]!.reason, /not after the freeze action in force/);
    await world.vote(handle, 'bob', 'staging');
    const held = await world.waitFor(handle, (s) => s.gate === 'freeze', 'held by the freeze');
    assert.equal(held.frozen?.reason, 'INC-12 outage');

    const line = await world.client.workflow.start('line', {
      workflowId: LINE_WORKFLOW_ID,
      taskQueue: world.taskQueue,
      args: [{}],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    try {
      await line.executeUpdate(setFreezeUpdate, { args: [freeze('erin', true, 'INC-13', new Date())] });
      await assert.rejects(
        line.executeUpdate(setFreezeUpdate, { args: [older] }),
        (err: Error & { cause?: Error }) =>
          /not after the freeze action in force/.test(String(err.cause?.message)),
      );
      await assert.rejects(
        line.executeUpdate(setFreezeUpdate, { args: [freeze('dave', false, 'me', new Date())] }),
        (err: Error & { cause?: Error }) => /dave is not an operator/.test(String(err.cause?.message)),
      );
      await line.executeUpdate(setFreezeUpdate, {
        args: [freeze('erin', false, 'INC-13 resolved', new Date())],
      });
      const lineChain = await world.ledger.read(LINE_CHAIN);
      assert.deepEqual(
        lineChain.slice(-2).map((r) => `${r.type}:${String(r.data.reason)}:${r.actor.id}`),
        ['freeze.held:INC-13:erin', 'freeze.lifted:INC-13 resolved:erin'],
        'every accepted freeze and lift is in the ledger',
      );
      await world.waitFor(handle, (s) => s.currentStage === 'prod', 'went on after the newer unfreeze');
      await world.control(handle, 'erin', 'abort');
      await handle.result();
    } finally {
      await line.terminate('test over');
    }
  });
});

void test('a requester who names someone else in the manifest cannot approve their own release; a flood of refusals is bounded', async () => {
  const world = await createWorld(temporal);
  await world.run(async () => {
    // bob signs the start; the manifest claims alice asked for it.
    const { handle, input } = await world.start(
      testRelease({ app: 'named-api', requester: 'alice', commitAuthors: [] }),
      { as: 'bob' },
    );
    const state = await world.waitFor(
      handle,
      (s) => s.currentStage === 'staging' && s.gate === 'approval',
      'staging approval',
    );
    assert.equal(state.requester, 'bob', 'the signer is the requester');
    await refused(world.vote(handle, 'bob', 'staging'), /segregation of duties: bob requested this release/);
    const [first] = await refusals(world, input.promotionId);
    assert.equal(first?.refusal, 'vote');
    assert.match(first.reason, /segregation of duties/);
    const started = (await world.chain(input.promotionId))[0]!;
    assert.equal(started.data.requester, 'bob');
    assert.deepEqual(started.data.claimed, { requester: 'alice', commitAuthors: [] });

    for (let i = 0; i < RECORDED_REFUSALS + 5; i++)
      await refused(world.vote(handle, 'dave', 'staging'), /not in an approver group/);
    const recorded = await refusals(world, input.promotionId);
    assert.equal(
      recorded.length,
      RECORDED_REFUSALS,
      `the first ${RECORDED_REFUSALS} refusals are recorded, no more`,
    );
    await world.control(handle, 'erin', 'abort');
    await handle.result();
  });
});
