/**
 * Canary decisions from chat against real promotions on the dev server, over real HTTP: the
 * inconclusive notification's Continue / Roll back buttons, the slash command and the generic
 * webhook, each signed like a vote and bound to the analysis step it answers. A decision for
 * another step or stage, from someone who may not decide, or with a forged hook signature is
 * refused and recorded.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CONTINUE_ACTION_ID, ROLLBACK_ACTION_ID, canaryButtonValue } from '../../src/chat/buttons.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import type { PromotionState } from '../../workflows/types.js';
import { startDevServer } from '../helpers/temporal.js';
import type { PromotionFixture } from './promotion-fixture.js';
import { startHookWorld, type HookWorld } from './hook-world.js';
import {
  Receiver,
  capturedLogger,
  interactionBody,
  post,
  securityRecords,
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
    notifyTargets: (url) => [{ name: 'releases-slack', url: `${url}/slack`, format: 'slack' }],
  });
  ({ receiver, ledger, fixture, base } = world);
});

after(() => world?.stop());

function slack(userId: string, text: string) {
  const body = slashCommandBody(userId, text);
  return post(`${base}/v1/slack/commands`, body, slackHeaders(body));
}

function click(userId: string, actionId: string, value: string) {
  const body = interactionBody(userId, actionId, value);
  return post(`${base}/v1/slack/interactions`, body, slackHeaders(body));
}

/** A promotion approved at prod whose canary analysis at `step` came back inconclusive. */
async function waitingCanary(verdicts: ('pass' | 'inconclusive')[], step: number) {
  const started = await fixture.start({ requester: 'rita', canary: verdicts });
  await fixture.waitForGate(started.handle, 'approval');
  const approved = await slack('U0BOB', `approve ${started.promotionId}`);
  assert.equal(approved.status, 200, approved.body.text);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const state = await started.handle.query<PromotionState>('state');
    const canary = state.stages[0]?.canary;
    if (canary?.awaitingDecision && canary.step === step) return started;
    if (Date.now() > deadline) throw new Error(`the canary never waited at step ${step} (${state.status})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

void test('the Continue button of the inconclusive notification continues the canary; the release is promoted', async () => {
  const { promotionId, handle } = await waitingCanary(['inconclusive', 'pass'], 1);
  const posted = await receiver.waitFor(
    (r) => r.path === '/slack' && r.body.includes(promotionId) && r.body.includes(CONTINUE_ACTION_ID),
  );
  const { blocks } = posted.json as {
    blocks: { type: string; elements?: { action_id: string; value: string }[] }[];
  };
  const buttons = blocks.find((b) => b.type === 'actions')?.elements ?? [];
  assert.deepEqual(
    buttons.map((b) => b.action_id),
    [CONTINUE_ACTION_ID, ROLLBACK_ACTION_ID],
  );
  assert.deepEqual(
    JSON.parse(buttons[0]!.value),
    { promotionId, stage: 'prod', step: 1 },
    'bound to the step',
  );

  const res = await click('U0ALICE', CONTINUE_ACTION_ID, buttons[0]!.value);
  assert.equal(res.status, 200, res.body.text);
  const result = await handle.result();
  assert.equal(result.status, 'succeeded');
  const decision = (await ledger.read(promotionId)).find((r) => r.type === 'canary.decision');
  assert.equal(decision?.data.decision, 'continue');
  assert.equal(decision?.data.step, 1);
  assert.deepEqual(decision?.actor.chatIdentity, { platform: 'slack', userId: 'U0ALICE' });
});

void test('/tollgate rollback rolls the inconclusive canary back', async () => {
  const { promotionId, handle } = await waitingCanary(['inconclusive', 'pass'], 1);
  const res = await slack('U0ALICE', `rollback ${promotionId} prod error budget looks thin`);
  assert.equal(res.status, 200, res.body.text);
  const result = await handle.result();
  assert.equal(result.status, 'rolled-back');
  assert.match(result.outcome, /rolled back by decision after an inconclusive analysis/);
});

void test('a decision for a stale step or another stage, or by someone who may not decide, is refused and recorded; a forged signature is refused', async () => {
  const { promotionId, handle } = await waitingCanary(['pass', 'inconclusive'], 2);

  const stale = await click(
    'U0ALICE',
    ROLLBACK_ACTION_ID,
    canaryButtonValue({ promotionId, stage: 'prod', step: 1 }),
  );
  assert.equal(stale.status, 403);
  assert.match(stale.body.text!, /answers step 1, but the analysis waiting at prod is step 2/);

  const otherStage = webhookBody({
    user: 'alice@corp',
    command: 'rollback',
    promotionId,
    stage: 'staging',
    step: 2,
  });
  const misdirected = await post(`${base}/v1/webhooks/ci-bot`, otherStage, webhookHeaders(otherStage));
  assert.equal(misdirected.status, 403);
  assert.match(misdirected.body.text!, /for stage staging, but the inconclusive canary waiting is at prod/);

  const unauthorized = await slack('U0MALLORY', `rollback ${promotionId}`);
  assert.equal(unauthorized.status, 403);
  assert.match(unauthorized.body.text!, /mallory may not decide on the canary/);

  const requester = await slack('U0RITA', `continue ${promotionId}`);
  assert.equal(requester.status, 403);
  assert.match(requester.body.text!, /segregation of duties: rita requested this release/);

  const forgedBody = webhookBody({
    user: 'alice@corp',
    command: 'rollback',
    promotionId,
    stage: 'prod',
    step: 2,
  });
  const forged = await post(
    `${base}/v1/webhooks/ci-bot`,
    forgedBody,
    webhookHeaders(forgedBody, { secret: 'not-the-webhook-secret-at-all' }),
  );
  assert.equal(forged.status, 401);

  const state = await handle.query<PromotionState>('state');
  assert.equal(state.status, 'running');
  assert.equal(state.stages[0]?.canary?.awaitingDecision, true, 'the canary still waits');
  const records = await securityRecords(ledger, `security:${promotionId}`);
  assert.deepEqual(
    records.map((r) => [r.data.refusal, r.actor.id]),
    [
      ['refused-by-workflow', 'alice'],
      ['refused-by-workflow', 'alice'],
      ['refused-by-workflow', 'mallory'],
      ['refused-by-workflow', 'rita'],
    ],
  );
  const inChain = (await ledger.read(promotionId)).filter((r) => r.type === 'security.refused');
  assert.ok(
    inChain.some((r) => /answers step 1/.test(String(r.data.reason))),
    'the workflow recorded the stale step',
  );

  // The decision for the step that waits, from the same webhook, is accepted.
  const current = webhookBody({
    user: 'alice@corp',
    command: 'continue',
    promotionId,
    stage: 'prod',
    step: 2,
  });
  const accepted = await post(`${base}/v1/webhooks/ci-bot`, current, webhookHeaders(current));
  assert.equal(accepted.status, 200, accepted.body.text);
  assert.equal((await handle.result()).status, 'succeeded');
});
