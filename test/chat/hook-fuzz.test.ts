/**
 * Thousands of random and mutated requests against a running hook over real HTTP, plus raw
 * garbage on the socket: zero 5xx, zero crashes, zero accepted, and every refusal recorded.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { HookConfig } from '../../src/chat/config.js';
import { createHookServer, type HookServer } from '../../src/chat/server.js';
import { slackSignature, webhookSignature } from '../../src/chat/signatures.js';
import { APPROVE_ACTION_ID } from '../../src/chat/buttons.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { startDevServer } from '../helpers/temporal.js';
import {
  SLACK_SECRET,
  WEBHOOK_SECRET,
  capturedLogger,
  exportSecrets,
  interactionBody,
  nowSeconds,
  principals,
  serviceKey,
  slashCommandBody,
  tempLedger,
  webhookBody,
} from './support.js';

const temporal = await startDevServer();
const { logger } = capturedLogger();
let ledger: Ledger;
let disposeLedger: () => Promise<void>;
let hook: HookServer;
let base = '';

before(async () => {
  exportSecrets();
  ({ ledger, dispose: disposeLedger } = await tempLedger(logger));
  const key = serviceKey();
  hook = await createHookServer({
    config: HookConfig.parse({
      slack: { signingSecret: { env: 'TEST_HOOK_SLACK_SECRET' } },
      mattermost: { token: { env: 'TEST_HOOK_MATTERMOST_TOKEN' } },
      webhooks: [{ id: 'ci-bot', secret: { env: 'TEST_HOOK_WEBHOOK_SECRET' } }],
      limits: {
        bodyBytes: 16_384,
        perAddress: { burst: 1e6, perMinute: 1e6 },
        perIdentity: { burst: 1e6, perMinute: 1e6 },
      },
    }),
    client: temporal.env.client,
    ledger,
    principals,
    serviceKey: { id: key.id, privateKey: key.privateKey },
    logger,
  });
  base = await hook.listen(0, '127.0.0.1');
});

after(async () => {
  await hook?.close();
  await disposeLedger?.();
  await temporal.teardown();
});

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

const FORM = 'application/x-www-form-urlencoded';
const printable = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);
const paths = fc.oneof(
  fc.constantFrom(
    '/v1/slack/commands',
    '/v1/slack/interactions',
    '/v1/mattermost/commands',
    '/v1/webhooks/ci-bot',
  ),
  fc.constantFrom(
    '/v1/webhooks/other',
    '/v1/',
    '/',
    '/v2/slack/commands',
    '/v1/slack/commands?x=1',
    '/v1/webhooks/%00',
  ),
  fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
);
const contentTypes = fc.oneof(
  fc.constantFrom(
    FORM,
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'multipart/form-data',
    '',
  ),
  printable,
);
const bodies = fc.oneof(
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
  fc.json().map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 500 }).map((a) => Buffer.from(a)),
  fc
    .dictionary(
      fc.constantFrom('user_id', 'text', 'payload', 'token', 'trigger_id', 'x'),
      fc.string({ maxLength: 40 }),
    )
    .map((d) => Buffer.from(new URLSearchParams(d).toString())),
  fc.nat({ max: 40_000 }).map((n) => Buffer.alloc(n, 'a')),
);

/** Well-formed, correctly signed requests an attacker could only send after stealing a secret. */
function validRequests(): fc.Arbitrary<FuzzRequest> {
  const user = fc.constantFrom('U0ALICE', 'U0MALLORY', 'U0NOBODY', 'mm-alice');
  const text = fc.oneof(
    fc
      .constantFrom('approve', 'reject', 'status', 'pause', 'resume', 'abort', 'help', '')
      .chain((verb) => fc.tuple(fc.constant(verb), printable).map(([v, rest]) => `${v} ${rest}`)),
    fc.string({ maxLength: 100 }),
  );
  const slash = fc.tuple(user, text).map(([u, t]): FuzzRequest => {
    const body = slashCommandBody(u, t);
    const ts = String(nowSeconds());
    return {
      method: 'POST',
      path: '/v1/slack/commands',
      headers: {
        'content-type': FORM,
        'x-slack-request-timestamp': ts,
        'x-slack-signature': slackSignature(SLACK_SECRET, ts, body),
      },
      body: Buffer.from(body),
    };
  });
  const button = fc
    .tuple(user, fc.string({ maxLength: 120 }), fc.constantFrom(APPROVE_ACTION_ID, 'x'))
    .map(([u, value, id]): FuzzRequest => {
      const body = interactionBody(u, id, value);
      const ts = String(nowSeconds());
      return {
        method: 'POST',
        path: '/v1/slack/interactions',
        headers: {
          'content-type': FORM,
          'x-slack-request-timestamp': ts,
          'x-slack-signature': slackSignature(SLACK_SECRET, ts, body),
        },
        body: Buffer.from(body),
      };
    });
  const webhook = fc
    .record({
      user: fc.constantFrom('alice@corp', 'eve@corp'),
      command: fc.string({ maxLength: 10 }),
      promotionId: printable,
    })
    .map((fields): FuzzRequest => {
      const body = webhookBody(fields);
      return {
        method: 'POST',
        path: '/v1/webhooks/ci-bot',
        headers: {
          'content-type': 'application/json',
          'x-tollgate-signature': webhookSignature(WEBHOOK_SECRET, body),
          'x-tollgate-delivery': `fuzz-${Math.random()}`,
        },
        body: Buffer.from(body),
      };
    });
  return fc.oneof(slash, button, webhook);
}

/** One change to a valid request: a flipped byte, a shifted timestamp, a cut signature, … */
function mutated(): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(validRequests(), fc.nat(), fc.integer({ min: 0, max: 5 }), printable)
    .map(([req, n, kind, junk]) => {
      const body = Buffer.from(req.body!);
      const headers = { ...req.headers };
      switch (kind) {
        case 0:
          body[n % body.length] = (body[n % body.length]! + 1 + (n % 254)) % 256;
          break;
        case 1:
          if (headers['x-slack-request-timestamp'])
            headers['x-slack-request-timestamp'] = String(nowSeconds() - 301 - (n % 10_000));
          else headers['x-tollgate-signature'] = junk;
          break;
        case 2:
          for (const h of ['x-slack-signature', 'x-tollgate-signature'])
            if (headers[h]) headers[h] = headers[h].slice(0, n % headers[h].length);
          break;
        case 3:
          headers['content-type'] = junk;
          break;
        case 4:
          return { ...req, path: req.path.replace('/v1/', `/v1/${junk.replace(/[^a-z]/g, '')}`), headers };
        default:
          return { ...req, body: Buffer.concat([body, Buffer.from(junk)]), headers };
      }
      return { ...req, body, headers };
    });
}

const randomRequests = fc
  .record({
    method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
    path: paths,
    contentType: contentTypes,
    body: bodies,
    extra: fc.dictionary(
      fc.constantFrom(
        'x-slack-signature',
        'x-slack-request-timestamp',
        'x-tollgate-signature',
        'x-tollgate-delivery',
        'authorization',
      ),
      printable,
    ),
  })
  .map(({ method, path, contentType, body, extra }): FuzzRequest => {
    const headers: Record<string, string> = { ...extra };
    if (contentType) headers['content-type'] = contentType;
    return { method, path, headers, ...(['GET', 'OPTIONS'].includes(method) ? {} : { body }) };
  });

async function send(req: FuzzRequest): Promise<number> {
  const res = await fetch(`${base}${req.path}`, { method: req.method, headers: req.headers, body: req.body });
  await res.arrayBuffer();
  return res.status;
}

async function recordedRefusals(): Promise<number> {
  const chains = await ledger.listChains();
  return chains.filter((c) => c.chainId.startsWith('security:')).reduce((n, c) => n + c.length, 0);
}

void test('thousands of random and mutated requests: only 4xx, nothing accepted, every refusal recorded', async (t) => {
  const statuses = new Map<number, number>();
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(fc.oneof(randomRequests, mutated(), validRequests()), async (req) => {
      const status = await send(req);
      sent++;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      return status >= 400 && status < 500;
    }),
    { numRuns: 2500 },
  );
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200, 'the hook still serves after the fuzzing');
  assert.equal(
    await recordedRefusals(),
    sent,
    `every refused request is recorded (${JSON.stringify([...statuses])})`,
  );
  t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  for (const code of [400, 401, 403, 404, 413, 415])
    assert.ok((statuses.get(code) ?? 0) > 0, `the fuzzer reached ${code} refusals`);
});

void test('raw garbage on the socket is answered or dropped, and the hook keeps serving', async () => {
  const { port } = new URL(base);
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 400 }).map((a) => Buffer.from(a)),
        printable.map((s) =>
          Buffer.from(
            `POST /v1/slack/commands HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n${s}\r\n\r\n`,
          ),
        ),
        printable.map((s) =>
          Buffer.from(`GET /${s} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`),
        ),
      ),
      async (bytes) => {
        const answer = await new Promise<string>((resolve) => {
          const socket = connect(Number(port), '127.0.0.1', () => socket.end(bytes));
          let data = '';
          socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
          socket.on('close', () => resolve(data));
          socket.on('error', () => resolve(data));
          socket.setTimeout(3000, () => socket.destroy());
        });
        const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
        return status === undefined || (Number(status) >= 400 && Number(status) < 500);
      },
    ),
    { numRuns: 300 },
  );
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
});
