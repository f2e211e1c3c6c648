/**
 * The notify activity posting to a real local HTTP receiver: Slack Block Kit with buttons bound
 * to the release digest, generic JSON, retries after a 500, and never a failure for the promotion.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createNotifyActivities } from '../../activities/notify.js';
import type { NotifyRequest } from '../../activities/contracts.js';
import { APPROVE_ACTION_ID, ButtonValue, REJECT_ACTION_ID } from '../../src/chat/buttons.js';
import { verifyWebhookSignature } from '../../src/chat/signatures.js';
import { Receiver, capturedLogger, sha256Digest } from './support.js';

const receiver = new Receiver();
before(() => receiver.start());
after(() => receiver.stop());

const digest = sha256Digest('release');
const request: NotifyRequest = {
  promotionId: 'billing-42',
  event: 'approval-requested',
  app: 'billing-api',
  version: '1.4.2',
  stage: 'prod',
  releaseDigest: digest,
  requester: 'rita',
  policyResultHash: sha256Digest('policy'),
  summary: 'prod is waiting for 2 approval(s)',
  policy: { passed: false, failedRules: ['sbom-present'] },
  canary: { verdicts: ['pass', 'pass', 'inconclusive'] },
};

interface SlackBlock {
  type: string;
  text?: { text: string };
  fields?: { text: string }[];
  elements?: { action_id: string; value: string; text: { text: string } }[];
}

void test('an approval request reaches Slack with the release facts and approve/reject buttons bound to the digest', async () => {
  const { logger } = capturedLogger();
  const { notify } = createNotifyActivities({
    webhooks: [{ name: 'slack', url: `${receiver.url}/slack-1`, format: 'slack' }],
    logger,
  });

  await notify(request);

  const received = await receiver.waitFor((r) => r.path === '/slack-1');
  const message = received.json as { text: string; blocks: SlackBlock[] };
  assert.equal(message.blocks[0]!.text!.text, 'Approval requested: billing-api 1.4.2 → prod');
  const fields = message.blocks.find((b) => b.fields)!.fields!.map((f) => f.text);
  assert.deepEqual(fields, [
    '*App*\nbilling-api',
    '*Version*\n1.4.2',
    '*Stage*\nprod',
    '*Requester*\nrita',
    '*Policy*\nfailed: sbom-present',
    '*Canary*\n2 pass, 1 inconclusive',
  ]);
  assert.ok(received.body.includes(digest), 'the digest is shown');
  const buttons = message.blocks.find((b) => b.type === 'actions')!.elements!;
  assert.deepEqual(
    buttons.map((b) => [b.action_id, b.text.text]),
    [
      [APPROVE_ACTION_ID, 'Approve'],
      [REJECT_ACTION_ID, 'Reject'],
    ],
  );
  for (const b of buttons)
    assert.deepEqual(ButtonValue.parse(JSON.parse(b.value)), {
      promotionId: 'billing-42',
      stage: 'prod',
      releaseDigest: digest,
    });
});

void test('generic receivers get versioned JSON, signed when a secret is configured', async () => {
  const { logger } = capturedLogger();
  const { notify } = createNotifyActivities({
    webhooks: [{ name: 'feed', url: `${receiver.url}/generic-1`, format: 'generic', secret: 'feed-secret' }],
    logger,
  });

  await notify({ ...request, event: 'rolled-back', summary: 'prod rolled back: error rate 7% > 1%' });

  const received = await receiver.waitFor((r) => r.path === '/generic-1');
  const check = verifyWebhookSignature(
    'feed-secret',
    received.headers['x-tollgate-signature'] as string,
    Buffer.from(received.body),
  );
  assert.deepEqual(check, { ok: true });
  assert.deepEqual(received.json, {
    type: 'tollgate.notification',
    schemaVersion: 1,
    event: 'rolled-back',
    headline: 'Rolled back: billing-api 1.4.2 → prod',
    promotionId: 'billing-42',
    app: 'billing-api',
    version: '1.4.2',
    stage: 'prod',
    releaseDigest: digest,
    requester: 'rita',
    summary: 'prod rolled back: error rate 7% > 1%',
    policy: {
      passed: false,
      failedRules: ['sbom-present'],
      summary: 'failed: sbom-present',
      resultHash: sha256Digest('policy'),
    },
    canary: { verdicts: ['pass', 'pass', 'inconclusive'], summary: '2 pass, 1 inconclusive' },
  });
});

void test('outcome messages carry no buttons', async () => {
  const { logger } = capturedLogger();
  const { notify } = createNotifyActivities({
    webhooks: [{ name: 'slack', url: `${receiver.url}/slack-2`, format: 'slack' }],
    logger,
  });
  for (const event of ['approved', 'rejected', 'expired', 'completed'] as const)
    await notify({ ...request, event, summary: event });
  const headlines = receiver.delivered
    .filter((r) => r.path === '/slack-2')
    .map((r) => {
      const blocks = (r.json as { blocks: SlackBlock[] }).blocks;
      assert.ok(!blocks.some((b) => b.type === 'actions'));
      return blocks[0]!.text!.text;
    });
  assert.deepEqual(headlines, [
    'Approved: billing-api 1.4.2 → prod',
    'Rejected: billing-api 1.4.2 → prod',
    'Approval expired: billing-api 1.4.2 → prod',
    'Promotion completed: billing-api 1.4.2 → prod',
  ]);
});

void test('a delivery answered with 500 is retried until it is accepted', async () => {
  const { logger, text } = capturedLogger();
  const { notify } = createNotifyActivities({
    webhooks: [{ name: 'flaky', url: `${receiver.url}/flaky`, format: 'generic' }],
    logger,
    retry: { attempts: 4, initialDelayMs: 20 },
  });
  receiver.failNext(500, 503);

  await notify(request);

  const attempts = receiver.received.filter((r) => r.path === '/flaky');
  assert.equal(attempts.length, 3, 'two failures, then the delivery');
  assert.equal(receiver.delivered.filter((r) => r.path === '/flaky').length, 1);
  assert.ok(!text().includes('could not be delivered'));
});

void test('a receiver that stays down never fails the activity; the failure is logged without the URL', async () => {
  const { logger, text } = capturedLogger();
  const secretUrl = `${receiver.url}/services/T000/B000/secret-webhook-path`;
  const { notify } = createNotifyActivities({
    webhooks: [
      { name: 'down', url: 'http://127.0.0.1:1/unreachable', format: 'slack' },
      { name: 'erroring', url: secretUrl, format: 'slack' },
      { name: 'filtered', url: `${receiver.url}/filtered`, format: 'generic', events: ['completed'] },
    ],
    logger,
    retry: { attempts: 3, initialDelayMs: 10 },
  });
  receiver.failNext(500, 500, 500);

  await notify(request);

  assert.equal(receiver.received.filter((r) => r.path.startsWith('/services/')).length, 3);
  assert.equal(receiver.received.filter((r) => r.path === '/filtered').length, 0, 'events filter');
  const logged = text();
  assert.match(logged, /"target":"down".*could not be delivered/);
  assert.match(
    logged,
    /"target":"erroring","event":"approval-requested","promotionId":"billing-42","problem":"HTTP 500"/,
  );
  assert.ok(!logged.includes('secret-webhook-path'));
});

void test('a 404 from the receiver is not retried', async () => {
  const { logger } = capturedLogger();
  const { notify } = createNotifyActivities({
    webhooks: [{ name: 'gone', url: `${receiver.url}/gone`, format: 'generic' }],
    logger,
    retry: { attempts: 4, initialDelayMs: 10 },
  });
  receiver.failNext(404);
  await notify(request);
  assert.equal(receiver.received.filter((r) => r.path === '/gone').length, 1);
});
