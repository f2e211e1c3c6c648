import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startDevServer } from '../helpers/temporal.js';
import { createWorld, keyIdOf, keys, refused, testRelease } from '../helpers/promotion-world.js';
import { newNonce, signAction } from '../../src/keys.js';
import type { VoteAction } from '../../src/approvals/actions.js';
import { voteUpdate } from '../../workflows/messages.js';

const temporal = await startDevServer();
after(() => temporal.teardown());

void test('prod needs two approvers from distinct groups; self-approval and bad votes are refused', async () => {
  const world = await createWorld(temporal);
  await world.run(async () => {
    const { handle, input } = await world.start(testRelease());
    await refused(world.vote(handle, 'bob', 'staging'), /no stage is waiting for approval/);

    await world.waitFor(
      handle,
      (s) => s.gate === 'approval' && s.currentStage === 'staging',
      'staging approval',
    );
    await refused(world.vote(handle, 'alice', 'staging'), /not in an approver group/);
    await world.vote(handle, 'bob', 'staging');

    await world.waitFor(handle, (s) => s.gate === 'approval' && s.currentStage === 'prod', 'prod approval');
    await refused(world.vote(handle, 'bob', 'staging'), /stage staging is not waiting for approval/);
    await refused(world.vote(handle, 'dave', 'prod'), /not in an approver group/);
    await refused(
      world.vote(handle, 'bob', 'prod', 'approve', { releaseDigest: `sha256:${'0'.repeat(64)}` }),
      /bound to release digest/,
    );
    await refused(
      world.vote(handle, 'bob', 'prod', 'approve', { policyResultHash: 'stale' }),
      /bound to policy result/,
    );

    // A vote signed by bob's key but claiming to be carol's is refused; so is a tampered payload.
    const state = await world.waitFor(handle, () => true, 'state');
    const vote: VoteAction = {
      kind: 'vote',
      promotionId: input.promotionId,
      actor: 'carol',
      channel: 'cli',
      issuedAt: new Date().toISOString(),
      nonce: newNonce(),
      stage: 'prod',
      decision: 'approve',
      releaseDigest: input.releaseDigest,
      policyResultHash: state.stages[2]!.policy!.resultHash,
    };
    await refused(
      handle.executeUpdate(voteUpdate, { args: [signAction(vote, keyIdOf('bob'), keys.bob)] }),
      /belongs to bob, not carol/,
    );
    const tampered = signAction({ ...vote, actor: 'carol' }, keyIdOf('carol'), keys.carol);
    tampered.payload = { ...tampered.payload, comment: 'added after signing' };
    await refused(handle.executeUpdate(voteUpdate, { args: [tampered] }), /signature does not verify/);

    await world.vote(handle, 'bob', 'prod');
    await refused(world.vote(handle, 'bob', 'prod'), /already voted/);
    const afterOne = await world.waitFor(handle, () => true, 'state');
    assert.equal(afterOne.gate, 'approval', 'one approval does not meet a quorum of 2');

    // erin is in release-managers too: bob already covers that group, so erin's approval
    // cannot count towards "distinct groups".
    await world.vote(handle, 'erin', 'prod');
    const afterErin = await world.waitFor(handle, () => true, 'state');
    assert.equal(
      afterErin.gate,
      'approval',
      'two approvers from one group do not meet distinct-groups quorum',
    );

    await world.vote(handle, 'carol', 'prod');
    assert.equal((await handle.result()).status, 'succeeded');

    // Refused votes never reach history: only accepted ones are evidence in the workflow's chain.
    const votes = (await world.chain(input.promotionId)).filter((r) => r.type === 'approval.vote');
    assert.deepEqual(
      votes.map((v) => `${v.stage}:${v.actor.id}`),
      ['staging:bob', 'prod:bob', 'prod:erin', 'prod:carol'],
    );
  });
});

void test('a commit author cannot approve, and one reject ends the promotion as rejected', async () => {
  const world = await createWorld(temporal);
  await world.run(async () => {
    const { handle } = await world.start(testRelease({ commitAuthors: ['bob'] }));
    await world.waitFor(
      handle,
      (s) => s.gate === 'approval' && s.currentStage === 'staging',
      'staging approval',
    );
    await refused(world.vote(handle, 'bob', 'staging'), /authored commits/);
    await world.vote(handle, 'erin', 'staging', 'reject');
    const result = await handle.result();
    assert.equal(result.status, 'rejected');
    assert.match(result.outcome, /rejected at staging by erin/);
    assert.deepEqual(
      world.ops.map((o) => `${o.stage}:${o.op}`),
      ['dev:deploy'],
      'nothing deployed past the rejection',
    );
    assert.ok(world.notifications.some((n) => n.event === 'rejected' && n.stage === 'staging'));
  });
});

void test('the requester cannot approve their own release even when they are an approver', async () => {
  const world = await createWorld(temporal);
  await world.run(async () => {
    const { handle } = await world.start(testRelease({ requester: 'bob' }));
    await world.waitFor(
      handle,
      (s) => s.gate === 'approval' && s.currentStage === 'staging',
      'staging approval',
    );
    await refused(world.vote(handle, 'bob', 'staging'), /segregation of duties: bob requested this release/);
    await world.vote(handle, 'erin', 'staging', 'reject', {});
    assert.equal((await handle.result()).status, 'rejected');
  });
});
