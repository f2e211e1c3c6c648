/**
 * The chat hook against real promotions waiting on the dev server, over real HTTP on 127.0.0.1:
 * approvals from a Slack command, a Slack button, Mattermost and a generic webhook; refusals by
 * the workflow's validator relayed with their reason and recorded as security evidence.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID, buttonValue } from '../../src/chat/buttons.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import type { PromotionState } from '../../workflows/types.js';
import { startDevServer } from '../helpers/temporal.js';
import type { PromotionFixture } from './promotion-fixture.js';
import { startHookWorld, type HookWorld } from './hook-world.js';
import { HookConfig } from '../../src/chat/config.js';
import { createHookServer } from '../../src/chat/server.js';
import {
  MATTERMOST_TOKEN,
  Receiver,
  capturedLogger,
  interactionBody,
  post,
  principals,
  securityRecords,
  serviceKey,
  slackHeaders,
  slashCommandBody,
  webhookBody,
  webhookHeaders,
} from './support.js';

const temporal = await startDevServer();
const { logger } = capturedLogger();
let world: HookWorld;
let receiver: Receiver;
let ledger: Ledger;
let fixture: PromotionFixture;
let base = '';

before(async () => {
  world = await startHookWorld({
    temporal,
    logger,
    notifyTargets: (url) => [
      { name: 'releases-slack', url: `${url}/slack`, format: 'slack' },
      { name: 'audit-feed', url: `${url}/generic`, format: 'generic' },
    ],
    hookConfig: { mattermost: { token: { env: 'TEST_HOOK_MATTERMOST_TOKEN' } } },
  });
  ({ receiver, ledger, fixture, base } = world);
});

after(() => world?.stop());

function slack(userId: string, text: string, extra: Record<string, string> = {}) {
  const body = slashCommandBody(userId, text, extra);
  return post(`${base}/v1/slack/commands`, body, slackHeaders(body));
}

async function votes(promotionId: string) {
  return (await ledger.read(promotionId)).filter((r) => r.type === 'approval.vote');
}

void describe('approvals through the hook', () => {
  void test('a Slack slash command approves a real waiting promotion', async () => {
    const { promotionId, handle, input } = await fixture.start();
    await fixture.waitForGate(handle, 'approval');

    const res = await slack('U0ALICE', `approve ${promotionId} prod looks good to me`);

    assert.equal(res.status, 200, res.body.text);
    assert.equal(res.body.response_type, 'in_channel');
    assert.match(res.body.text!, /^alice approved web-\d+ 1\.\d+\.0 at prod \(1\/1 approvals\)/);
    const result = await handle.result();
    assert.equal(result.status, 'succeeded');
    const [vote] = await votes(promotionId);
    assert.ok(vote, 'the vote is in the promotion evidence');
    assert.deepEqual(vote.actor, {
      id: 'alice',
      channel: 'slack',
      verifiedBy: 'ed25519:chat:hook-test',
      chatIdentity: { platform: 'slack', userId: 'U0ALICE' },
    });
    assert.equal(vote.data.comment, 'looks good to me');
    assert.equal(vote.data.releaseDigest, input.releaseDigest);
  });

  void test('the Approve button of the posted approval request approves, and the outcome reaches the channel', async () => {
    const { promotionId, handle } = await fixture.start();
    const request = await receiver.waitFor(
      (r) => r.path === '/slack' && r.body.includes(promotionId) && r.body.includes(APPROVE_ACTION_ID),
    );
    const actions = (
      request.json as { blocks: { type: string; elements?: { action_id: string; value: string }[] }[] }
    ).blocks.find((b) => b.type === 'actions')!;
    const approve = actions.elements!.find((e) => e.action_id === APPROVE_ACTION_ID)!;

    const body = interactionBody(
      'U0BOB',
      APPROVE_ACTION_ID,
      approve.value,
      `${receiver.url}/respond/${promotionId}`,
    );
    const res = await post(`${base}/v1/slack/interactions`, body, slackHeaders(body));

    assert.equal(res.status, 200, res.body.text);
    assert.equal((await handle.result()).status, 'succeeded');
    const followUp = await receiver.waitFor((r) => r.path === `/respond/${promotionId}`);
    assert.match((followUp.json as { text: string }).text, /^bob approved .* at prod/);
    const outcome = await receiver.waitFor(
      (r) => r.path === '/generic' && r.body.includes(promotionId) && r.body.includes('"completed"'),
    );
    assert.equal((outcome.json as { event: string }).event, 'completed');
    assert.equal((await votes(promotionId))[0]?.actor.id, 'bob');
  });

  void test('a generic webhook approval with the digest the sender was shown', async () => {
    const { promotionId, handle, input } = await fixture.start();
    await fixture.waitForGate(handle, 'approval');
    const body = webhookBody({
      user: 'alice@corp',
      command: 'approve',
      promotionId,
      stage: 'prod',
      releaseDigest: input.releaseDigest,
      comment: 'approved from the release dashboard',
    });

    const res = await post(`${base}/v1/webhooks/ci-bot`, body, webhookHeaders(body));

    assert.equal(res.status, 200, res.body.text);
    assert.equal(res.body.tollgate?.ok, true);
    assert.equal((await handle.result()).status, 'succeeded');
    const [vote] = await votes(promotionId);
    assert.equal(vote?.actor.channel, 'webhook');
    assert.deepEqual(vote?.actor.chatIdentity, { platform: 'webhook', userId: 'alice@corp' });
    assert.equal(vote?.data.comment, 'approved from the release dashboard');
  });

  void test("Mattermost's Slack-compatible command approves with the command token", async () => {
    const { promotionId, handle } = await fixture.start();
    await fixture.waitForGate(handle, 'approval');
    const body = slashCommandBody('mm-alice', `approve ${promotionId}`);

    const res = await post(`${base}/v1/mattermost/commands`, body, {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Token ${MATTERMOST_TOKEN}`,
    });

    assert.equal(res.status, 200, res.body.text);
    assert.equal((await handle.result()).status, 'succeeded');
    const [vote] = await votes(promotionId);
    assert.equal(vote?.actor.channel, 'mattermost');
    assert.deepEqual(vote?.actor.chatIdentity, { platform: 'mattermost', userId: 'mm-alice' });
  });

  void test('status answers only the asker with digest, gate and tally', async () => {
    const { promotionId, handle, input } = await fixture.start();
    await fixture.waitForGate(handle, 'approval');

    const res = await slack('U0BOB', `status ${promotionId}`);

    assert.equal(res.status, 200);
    assert.equal(res.body.response_type, 'ephemeral');
    assert.match(
      res.body.text!,
      new RegExp(`promotion ${promotionId}: running at prod \\(gate: approval\\)`),
    );
    assert.ok(res.body.text!.includes(input.releaseDigest));
    assert.match(res.body.text!, /approvals 0\/1 from release-approvers/);
  });

  void test('status of a Tollgate workflow that is not a promotion (a stage lock) is a 404 with the reason, not a 500', async () => {
    const app = `lock-status-${process.pid}`;
    const { handle } = await fixture.start({ app });
    await fixture.waitForGate(handle, 'approval');
    const lockId = `tollgate-lock-${app}-prod`;
    assert.equal((await temporal.env.client.workflow.getHandle(lockId).describe()).type, 'stageLock');

    const res = await slack('U0BOB', `status ${lockId}`);

    assert.equal(res.status, 404, res.body.text);
    assert.match(res.body.text!, new RegExp(`${lockId} is not a promotion`));
  });

  void test('a second hook on a port in use fails with what to change, not a raw listen EADDRINUSE', async () => {
    const key = serviceKey('hook-second');
    const second = await createHookServer({
      config: HookConfig.parse({ slack: { signingSecret: { env: 'TEST_HOOK_SLACK_SECRET' } } }),
      client: temporal.env.client,
      ledger,
      principals,
      serviceKey: { id: key.id, privateKey: key.privateKey },
      logger,
    });
    try {
      const port = Number(new URL(base).port);
      await assert.rejects(second.listen(port, '127.0.0.1'), (err: Error) => {
        assert.equal(err.name, 'HookListenError');
        assert.match(err.message, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
        assert.match(err.message, /--hook-port .*hook\.listen\.port/);
        return true;
      });
    } finally {
      await second.close();
    }
  });

  void test('the requester pauses and resumes from chat', async () => {
    const { promotionId, handle } = await fixture.start();
    await fixture.waitForGate(handle, 'approval');

    const paused = await slack('U0RITA', `pause ${promotionId} waiting for the freeze to end`);
    assert.equal(paused.status, 200, paused.body.text);
    assert.equal((await handle.query<PromotionState>('state')).paused, true);

    const again = await slack('U0RITA', `pause ${promotionId}`);
    assert.equal(again.status, 403);
    assert.equal(again.body.text, 'Refused: promotion is already paused');

    const resumed = await slack('U0RITA', `resume ${promotionId}`);
    assert.equal(resumed.status, 200, resumed.body.text);
    assert.equal((await handle.query<PromotionState>('state')).paused, false);
  });
});

void describe('refusals relayed from the workflow and recorded', () => {
  void test('self-approval, unauthorized approver, unknown user and a stale button are refused; the stage keeps waiting', async () => {
    const { promotionId, handle, input } = await fixture.start({ requester: 'rita' });
    await fixture.waitForGate(handle, 'approval');
    const responseUrl = `${receiver.url}/respond/refusals-${promotionId}`;

    const self = await slack('U0RITA', `approve ${promotionId}`, { response_url: responseUrl });
    assert.equal(self.status, 403);
    assert.equal(
      self.body.text,
      'Refused: segregation of duties: rita requested this release and cannot approve it',
    );
    // Slack shows nothing of a 4xx answer: the reason is posted to the response URL too.
    const followUp = await receiver.waitFor((r) => r.path === `/respond/refusals-${promotionId}`);
    assert.equal((followUp.json as { text: string }).text, self.body.text);

    const unauthorized = await slack('U0MALLORY', `approve ${promotionId}`);
    assert.equal(unauthorized.status, 403);
    assert.match(
      unauthorized.body.text!,
      /mallory is not in an approver group of stage prod \(release-approvers\)/,
    );

    const unknown = await slack('U0NOBODY', `approve ${promotionId}`);
    assert.equal(unknown.status, 403);
    assert.match(unknown.body.text!, /slack user U0NOBODY is not mapped to a Tollgate principal/);

    const staleValue = buttonValue({ promotionId, stage: 'prod', releaseDigest: `sha256:${'0'.repeat(64)}` });
    const button = interactionBody('U0BOB', APPROVE_ACTION_ID, staleValue);
    const stale = await post(`${base}/v1/slack/interactions`, button, slackHeaders(button));
    assert.equal(stale.status, 409);
    assert.match(stale.body.text!, new RegExp(`now deploys ${input.releaseDigest}`));

    const state = await handle.query<PromotionState>('state');
    assert.equal(state.gate, 'approval');
    assert.deepEqual(state.stages[0]?.approval?.votes, []);

    const records = await securityRecords(ledger, `security:${promotionId}`);
    assert.deepEqual(
      records.map((r) => [r.data.refusal, r.actor.id, r.data.status]),
      [
        ['refused-by-workflow', 'rita', 403],
        ['refused-by-workflow', 'mallory', 403],
        ['unknown-user', 'unknown', 403],
        ['digest-mismatch', 'bob', 409],
      ],
    );
    assert.match(String(records[0]!.data.reason), /segregation of duties/);
    assert.deepEqual(records[2]!.actor.chatIdentity, { platform: 'slack', userId: 'U0NOBODY' });
    assert.equal(records[0]!.actor.verifiedBy, 'slack-signature');
    assert.ok(records.every((r) => r.controls.includes('ISO27001:A.5.15')));

    // A legitimate rejection still ends it, and the outcome is posted.
    const reject = interactionBody(
      'U0BOB',
      REJECT_ACTION_ID,
      buttonValue({ promotionId, stage: 'prod', releaseDigest: input.releaseDigest }),
    );
    assert.equal((await post(`${base}/v1/slack/interactions`, reject, slackHeaders(reject))).status, 200);
    assert.equal((await handle.result()).status, 'rejected');
    const rejected = await receiver.waitFor(
      (r) => r.path === '/slack' && r.body.includes(promotionId) && r.body.includes('Rejected'),
    );
    assert.match((rejected.json as { text: string }).text, /rejected at prod by bob/);
  });

  void test('a commit author of the release cannot approve it', async () => {
    const { promotionId, handle } = await fixture.start({ requester: 'rita', commitAuthors: ['bob'] });
    await fixture.waitForGate(handle, 'approval');

    const res = await slack('U0BOB', `approve ${promotionId}`);

    assert.equal(res.status, 403);
    assert.match(res.body.text!, /segregation of duties: bob authored commits in this release/);
    const [record] = await securityRecords(ledger, `security:${promotionId}`);
    assert.equal(record?.actor.id, 'bob');
  });

  void test('a vote for a promotion that has ended is refused with its status', async () => {
    const { promotionId, handle } = await fixture.start();
    await fixture.waitForGate(handle, 'approval');
    assert.equal((await slack('U0ALICE', `approve ${promotionId}`)).status, 200);
    await handle.result();

    const late = await slack('U0BOB', `approve ${promotionId}`);

    assert.equal(late.status, 409);
    assert.equal(
      late.body.text,
      `Refused: promotion ${promotionId} is succeeded; there is nothing to vote on`,
    );
  });
});
