/**
 * Requests the hook must refuse before anything reaches a promotion: forged and stale
 * signatures, replays, unknown integrations, oversized and malformed bodies, floods. Each gets
 * a 4xx with a reason and a `security.refused` record; no secret ever reaches the logs.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { HookConfig, type HookConfigInput } from '../../src/chat/config.js';
import { createHookServer, type HookServer } from '../../src/chat/server.js';
import { slackSignature, webhookSignature } from '../../src/chat/signatures.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { startDevServer } from '../helpers/temporal.js';
import {
  MATTERMOST_TOKEN,
  SLACK_SECRET,
  WEBHOOK_SECRET,
  capturedLogger,
  exportSecrets,
  interactionBody,
  nowSeconds,
  post,
  principals,
  securityRecords,
  serviceKey,
  slackHeaders,
  slashCommandBody,
  tempLedger,
  webhookBody,
  webhookHeaders,
} from './support.js';

const temporal = await startDevServer();
const logs = capturedLogger();
const sentSignatures: string[] = [];
let ledger: Ledger;
let disposeLedger: () => Promise<void>;
const servers: HookServer[] = [];

const BASE_CONFIG: HookConfigInput = {
  slack: { signingSecret: { env: 'TEST_HOOK_SLACK_SECRET' } },
  mattermost: { token: { env: 'TEST_HOOK_MATTERMOST_TOKEN' } },
  webhooks: [{ id: 'ci-bot', secret: { env: 'TEST_HOOK_WEBHOOK_SECRET' } }],
  limits: {
    bodyBytes: 8192,
    perAddress: { burst: 1000, perMinute: 1000 },
    perIdentity: { burst: 1000, perMinute: 1000 },
  },
};

async function startHook(config: HookConfigInput = BASE_CONFIG): Promise<string> {
  const key = serviceKey();
  const hook = await createHookServer({
    config: HookConfig.parse(config),
    client: temporal.env.client,
    ledger,
    principals,
    serviceKey: { id: key.id, privateKey: key.privateKey },
    logger: logs.logger,
  });
  servers.push(hook);
  return hook.listen(0, '127.0.0.1');
}

let base = '';
before(async () => {
  exportSecrets();
  ({ ledger, dispose: disposeLedger } = await tempLedger(logs.logger));
  base = await startHook();
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await disposeLedger?.();
  await temporal.teardown();
});

function track(headers: Record<string, string>): Record<string, string> {
  for (const name of ['x-slack-signature', 'x-tollgate-signature'])
    if (headers[name]) sentSignatures.push(headers[name]);
  return headers;
}

async function hookRecords(): Promise<{ refusal: unknown; status: unknown }[]> {
  return (await securityRecords(ledger, 'security:hook')).map((r) => ({
    refusal: r.data.refusal,
    status: r.data.status,
  }));
}

/** Sends a request and checks it was refused with `status` and recorded under `chainId`. */
async function expectRefused(
  send: () => Promise<{ status: number; body: { text?: string; tollgate?: { refusal?: string } } }>,
  status: number,
  refusal: string,
  chainId = 'security:hook',
): Promise<string> {
  const before = (await securityRecords(ledger, chainId)).length;
  const res = await send();
  assert.equal(res.status, status, res.body.text);
  assert.equal(res.body.tollgate?.refusal, refusal);
  assert.match(res.body.text ?? '', /^Refused: /);
  const records = await securityRecords(ledger, chainId);
  assert.equal(records.length, before + 1, 'exactly one security record per refused request');
  assert.equal(records.at(-1)!.data.refusal, refusal);
  return res.body.text!;
}

const slackCommand = (body: string, headers: Record<string, string>) =>
  post(`${base}/v1/slack/commands`, body, track(headers));

void test('a forged Slack signature is refused and recorded without trusting anything in the body', async () => {
  const body = slashCommandBody('U0ALICE', 'approve some-promotion');
  const text = await expectRefused(
    () => slackCommand(body, slackHeaders(body, { secret: 'not-the-signing-secret' })),
    401,
    'bad-signature',
  );
  assert.equal(text, 'Refused: X-Slack-Signature does not match the request body');
  const record = (await securityRecords(ledger, 'security:hook')).at(-1)!;
  assert.equal(record.actor.id, 'unknown');
  assert.equal(record.actor.verifiedBy, undefined);
  assert.deepEqual(Object.keys(record.data.request as object).sort(), [
    'bytes',
    'contentType',
    'method',
    'path',
    'source',
  ]);
});

void test('missing signature headers are refused', async () => {
  const body = slashCommandBody('U0ALICE', 'status x');
  await expectRefused(
    () => slackCommand(body, { 'content-type': 'application/x-www-form-urlencoded' }),
    401,
    'bad-signature',
  );
});

void test('a correctly signed Slack request older than 5 minutes is refused', async () => {
  const body = slashCommandBody('U0ALICE', 'status some-promotion');
  const text = await expectRefused(
    () => slackCommand(body, slackHeaders(body, { timestamp: nowSeconds() - 6 * 60 })),
    401,
    'stale-timestamp',
  );
  assert.match(text, /more than 5 minutes/);
});

void test('a replayed Slack request is refused the second time', async () => {
  const body = slashCommandBody('U0NOBODY', 'status some-promotion');
  const headers = slackHeaders(body);
  // The first delivery is authenticated, so its refusal (unknown user) is filed under the promotion.
  await expectRefused(() => slackCommand(body, headers), 403, 'unknown-user', 'security:some-promotion');
  const text = await expectRefused(() => slackCommand(body, headers), 409, 'replay', 'security:hook');
  assert.match(text, /already delivered/);
});

void test('generic webhooks: forged signature, missing delivery id, replayed delivery, stale timestamp, unknown integration', async () => {
  const url = `${base}/v1/webhooks/ci-bot`;
  const body = webhookBody({ user: 'nobody@corp', command: 'status', promotionId: 'p-1' });

  await expectRefused(
    () => post(url, body, track(webhookHeaders(body, { secret: 'wrong' }))),
    401,
    'bad-signature',
  );

  const noDelivery = track(webhookHeaders(body));
  delete noDelivery['x-tollgate-delivery'];
  await expectRefused(() => post(url, body, noDelivery), 400, 'bad-request', 'security:hook');

  const headers = track(webhookHeaders(body, { deliveryId: 'delivery-replayed-once' }));
  await expectRefused(() => post(url, body, headers), 403, 'unknown-user', 'security:p-1');
  await expectRefused(() => post(url, body, headers), 409, 'replay');

  const old = JSON.stringify({
    timestamp: nowSeconds() - 600,
    user: 'alice@corp',
    command: 'status',
    promotionId: 'p-1',
  });
  await expectRefused(() => post(url, old, track(webhookHeaders(old))), 401, 'stale-timestamp');

  const other = `${base}/v1/webhooks/not-configured`;
  await expectRefused(() => post(other, body, track(webhookHeaders(body))), 404, 'unknown-integration');
});

void test('a wrong Mattermost token is refused', async () => {
  const body = slashCommandBody('mm-alice', 'status p-1');
  await expectRefused(
    () =>
      post(`${base}/v1/mattermost/commands`, body, {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'Token guessed-token',
      }),
    401,
    'bad-signature',
  );
});

void test('oversized, malformed and wrongly typed bodies get 4xx, never 5xx', async () => {
  const huge = 'text=' + 'a'.repeat(20_000);
  await expectRefused(() => slackCommand(huge, slackHeaders(huge)), 413, 'body-too-large');

  await expectRefused(
    () => slackCommand('{"text":"hi"}', { 'content-type': 'text/plain' }),
    415,
    'unsupported-media-type',
  );

  const json = '{"user":"alice"}';
  await expectRefused(
    () =>
      post(
        `${base}/v1/slack/commands`,
        json,
        track({ ...slackHeaders(json), 'content-type': 'application/json' }),
      ),
    415,
    'unsupported-media-type',
  );

  // Signed correctly, but the payload is not JSON: only a signed request is parsed at all.
  const garbage = new URLSearchParams({ payload: '{"type":"block_actions",' }).toString();
  await expectRefused(
    () => post(`${base}/v1/slack/interactions`, garbage, track(slackHeaders(garbage))),
    400,
    'bad-request',
    'security:hook',
  );

  const notJson = '{"timestamp": 1, user: alice}';
  await expectRefused(
    () => post(`${base}/v1/webhooks/ci-bot`, notJson, track(webhookHeaders(notJson))),
    400,
    'bad-request',
  );

  const unknownButton = interactionBody('U0ALICE', 'someone.elses.button', '{}');
  const text = await expectRefused(
    () => post(`${base}/v1/slack/interactions`, unknownButton, track(slackHeaders(unknownButton))),
    400,
    'bad-request',
  );
  assert.match(text, /unknown button/);

  const usage = slashCommandBody('U0ALICE', 'deploy everything');
  assert.match(
    await expectRefused(() => slackCommand(usage, slackHeaders(usage)), 400, 'bad-request'),
    /unknown command "deploy"; usage/,
  );

  await expectRefused(
    () => post(`${base}/v1/nothing-here`, 'x=1', { 'content-type': 'application/x-www-form-urlencoded' }),
    404,
    'not-found',
  );
});

void test('floods are rate limited per source address and per identity, recorded once per key and minute', async () => {
  const limited = await startHook({
    ...BASE_CONFIG,
    limits: {
      bodyBytes: 8192,
      perAddress: { burst: 6, perMinute: 1 },
      perIdentity: { burst: 2, perMinute: 1 },
    },
  });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const body = slashCommandBody('U0ALICE', 'status no-such-promotion');
    statuses.push((await post(`${limited}/v1/slack/commands`, body, track(slackHeaders(body)))).status);
  }
  // Alice's third request in the burst hits her identity limit; the promotion does not exist.
  assert.deepEqual(statuses, [404, 404, 429, 429]);

  const beforeFlood = (await hookRecords()).filter((r) => r.refusal === 'rate-limited').length;
  for (let i = 0; i < 5; i++) {
    const res = await post(`${limited}/v1/slack/commands`, 'text=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    statuses.push(res.status);
  }
  assert.deepEqual(statuses.slice(4), [401, 401, 429, 429, 429]);
  const afterFlood = (await hookRecords()).filter((r) => r.refusal === 'rate-limited').length;
  assert.equal(afterFlood - beforeFlood, 1, 'a flood from one address leaves one record per minute');
  const identityRecords = (await securityRecords(ledger, 'security:no-such-promotion')).filter(
    (r) => r.data.refusal === 'rate-limited',
  );
  assert.equal(identityRecords.length, 1);
  assert.equal(identityRecords[0]!.actor.id, 'alice');
  const health = await fetch(`${limited}/healthz`);
  assert.equal(health.status, 200, 'health checks are never rate limited');
});

void test('health and readiness answer, readiness from the Temporal connection', async () => {
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
  const ready = await fetch(`${base}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready' });
});

void test('close() lets an in-flight request finish, then refuses connections', async () => {
  const url = new URL(await startHook());
  const hook = servers.at(-1)!;
  const body = slashCommandBody('U0ALICE', 'status not-there');
  const headers = track(slackHeaders(body));
  // Half the body is sent before close() starts, the rest after: the request is in flight.
  const req = request({
    host: url.hostname,
    port: url.port,
    path: '/v1/slack/commands',
    method: 'POST',
    headers,
  });
  const response = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 20));
  await new Promise((r) => setTimeout(r, 100));
  const closing = hook.close();
  req.end(body.slice(20));
  assert.equal(await response, 404);
  await closing;
  await assert.rejects(fetch(`${url.origin}/healthz`));
});

void test('secrets, tokens and signatures never reach the logs', () => {
  const text = logs.text();
  assert.ok(text.includes('hook request refused'), 'the refusals were logged');
  assert.ok(sentSignatures.length > 10);
  for (const secret of [
    SLACK_SECRET,
    WEBHOOK_SECRET,
    MATTERMOST_TOKEN,
    'guessed-token',
    'not-the-signing-secret',
    ...sentSignatures,
  ])
    assert.ok(!text.includes(secret), `log output contains a secret or signature (${secret.slice(0, 6)}…)`);
  // The signature functions are not trivially empty: the values checked above are real MACs.
  assert.match(slackSignature(SLACK_SECRET, '1', 'x'), /^v0=[0-9a-f]{64}$/);
  assert.match(webhookSignature(WEBHOOK_SECRET, 'x'), /^sha256=[0-9a-f]{64}$/);
});
