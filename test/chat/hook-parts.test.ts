/** The hook's small parts, checked without a server: signatures, command parsing, limits, identities, secrets. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CommandError, parseCommandText, stageAndComment } from '../../src/chat/commands.js';
import { resolveSecret } from '../../src/chat/config.js';
import { PrincipalDirectory } from '../../src/chat/identity.js';
import { RateLimiter } from '../../src/chat/rate-limit.js';
import { ReplayGuard } from '../../src/chat/replay.js';
import { verifySlackSignature, verifyWebhookSignature, webhookSignature } from '../../src/chat/signatures.js';
import { Principal } from '../../src/config/schema.js';

// The example from Slack's "Verifying requests from Slack" documentation.
const SLACK_DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const SLACK_DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SLACK_DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

void test("Slack signing v0 accepts Slack's documented example and refuses any change to it", () => {
  const at = 1531420618 * 1000;
  const headers = { signature: SLACK_DOC_SIGNATURE, timestamp: '1531420618' };
  assert.deepEqual(verifySlackSignature(SLACK_DOC_SECRET, headers, Buffer.from(SLACK_DOC_BODY), at), {
    ok: true,
  });
  assert.equal(
    verifySlackSignature(SLACK_DOC_SECRET, headers, Buffer.from(SLACK_DOC_BODY + 'x'), at).ok,
    false,
  );
  assert.equal(verifySlackSignature('other-secret', headers, Buffer.from(SLACK_DOC_BODY), at).ok, false);
  assert.deepEqual(
    verifySlackSignature(SLACK_DOC_SECRET, headers, Buffer.from(SLACK_DOC_BODY), at + 301_000),
    {
      ok: false,
      kind: 'stale-timestamp',
      reason: 'request timestamp is more than 5 minutes away from now',
    },
  );
  assert.equal(
    verifySlackSignature(SLACK_DOC_SECRET, headers, Buffer.from(SLACK_DOC_BODY), at - 301_000).ok,
    false,
  );
  assert.equal(
    verifySlackSignature(
      SLACK_DOC_SECRET,
      { ...headers, timestamp: '1531420618.5' },
      Buffer.from(SLACK_DOC_BODY),
      at,
    ).ok,
    false,
  );
});

void test('webhook signatures are GitHub-style sha256=<hex> over the raw body', () => {
  const body = Buffer.from('{"a":1}');
  const signature = webhookSignature('s3cret', body);
  assert.match(signature, /^sha256=[0-9a-f]{64}$/);
  assert.deepEqual(verifyWebhookSignature('s3cret', signature, body), { ok: true });
  assert.equal(verifyWebhookSignature('s3cret', signature.toUpperCase(), body).ok, false);
  assert.equal(verifyWebhookSignature('s3cret', undefined, body).ok, false);
  assert.equal(verifyWebhookSignature('s3cret', signature, Buffer.from('{"a":2}')).ok, false);
});

void test('slash command text parses into votes, controls and status, with usage on mistakes', () => {
  assert.deepEqual(parseCommandText('  approve billing-42 prod looks   good '), {
    kind: 'vote',
    decision: 'approve',
    promotionId: 'billing-42',
    words: ['prod', 'looks', 'good'],
  });
  assert.deepEqual(parseCommandText('ABORT billing-42 wrong artifact'), {
    kind: 'control',
    command: 'abort',
    promotionId: 'billing-42',
    reason: 'wrong artifact',
  });
  assert.deepEqual(parseCommandText('status billing-42'), { kind: 'status', promotionId: 'billing-42' });
  assert.throws(() => parseCommandText('approve'), /missing promotion id; usage/);
  assert.throws(() => parseCommandText('approve ../etc'), CommandError);
  assert.throws(() => parseCommandText('ship it'), /unknown command "ship"/);
  assert.throws(() => parseCommandText(''), /^CommandError: usage/);
});

void test('the word after the promotion is a stage only when the pipeline has that stage', () => {
  assert.deepEqual(stageAndComment(['prod', 'ok'], ['staging', 'prod']), { stage: 'prod', comment: 'ok' });
  assert.deepEqual(stageAndComment(['"ship', 'it"'], ['prod']), { stage: undefined, comment: 'ship it' });
  assert.deepEqual(stageAndComment([], ['prod']), { stage: undefined, comment: undefined });
});

void test('token buckets refill over time and record one refusal per key and minute', () => {
  const limiter = new RateLimiter({ burst: 2, perMinute: 60 });
  assert.deepEqual(limiter.take('a', 0), { allowed: true });
  assert.deepEqual(limiter.take('a', 0), { allowed: true });
  assert.deepEqual(limiter.take('a', 0), { allowed: false, record: true, suppressed: 0 });
  assert.deepEqual(limiter.take('a', 10), { allowed: false, record: false, suppressed: 1 });
  assert.deepEqual(limiter.take('b', 10), { allowed: true }, 'keys are independent');
  assert.deepEqual(limiter.take('a', 1_010), { allowed: true }, 'one token back after a second');
  assert.deepEqual(limiter.take('a', 1_020), { allowed: false, record: false, suppressed: 2 });
  assert.deepEqual(limiter.take('a', 61_000), { allowed: true });
  assert.deepEqual(limiter.take('a', 61_000), { allowed: true });
  assert.deepEqual(limiter.take('a', 61_001), { allowed: false, record: true, suppressed: 2 });
});

void test('a delivery counts once while it could still pass the timestamp check', () => {
  const guard = new ReplayGuard(1000, 3);
  assert.equal(guard.firstSeen('d1', 0), true);
  assert.equal(guard.firstSeen('d1', 999), false);
  assert.equal(guard.firstSeen('d1', 1000), true, 'forgotten after its TTL');
  for (const id of ['d2', 'd3', 'd4', 'd5']) assert.equal(guard.firstSeen(id, 1001), true);
  assert.equal(guard.firstSeen('d5', 1002), false);
});

void test('a chat identity maps to one principal; a second claim is a config error', () => {
  const alice = Principal.parse({ id: 'alice', chat: { slack: 'U1' } });
  const directory = new PrincipalDirectory([alice, Principal.parse({ id: 'bob', chat: { slack: 'U2' } })]);
  assert.equal(directory.find({ platform: 'slack', userId: 'U1' })?.id, 'alice');
  assert.equal(directory.find({ platform: 'webhook', userId: 'U1' }), undefined);
  assert.throws(
    () => new PrincipalDirectory([alice, Principal.parse({ id: 'eve', chat: { slack: 'U1' } })]),
    /principals alice and eve both claim slack user U1/,
  );
});

void test('secrets come from the environment or a file, with errors that name the fix', async () => {
  process.env.TEST_HOOK_PARTS_SECRET = 'from-env';
  assert.equal(
    await resolveSecret({ env: 'TEST_HOOK_PARTS_SECRET' }, 'hook.slack.signingSecret'),
    'from-env',
  );
  await assert.rejects(
    resolveSecret({ env: 'TEST_HOOK_PARTS_UNSET' }, 'hook.slack.signingSecret'),
    /hook.slack.signingSecret: environment variable TEST_HOOK_PARTS_UNSET is not set/,
  );
  const dir = await mkdtemp(path.join(tmpdir(), 'hook-secret-'));
  await writeFile(path.join(dir, 'secret'), 'from-file\n');
  assert.equal(await resolveSecret({ file: path.join(dir, 'secret') }, 'x'), 'from-file');
  await assert.rejects(
    resolveSecret({ file: path.join(dir, 'missing') }, 'hook.webhooks[0].secret'),
    /cannot read secret file .*missing \(ENOENT\)/,
  );
});
