/**
 * Shared pieces of the chat hook tests: a real file ledger, signed requests as Slack and a
 * generic webhook sender make them, a local HTTP receiver for notifications and follow-ups,
 * and principals with chat identities.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { generateSigningKey, publicKeyText, rawPublicKey } from '../../src/keys.js';
import type { TrustSnapshot } from '../../src/approvals/actions.js';
import { Principal } from '../../src/config/schema.js';
import { createLedger } from '../../src/ledger/create.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createLogger, type Logger } from '../../src/logging/logger.js';
import { slackSignature, webhookSignature } from '../../src/chat/signatures.js';
import type { EvidenceRecord } from '../../src/domain/evidence.js';

export const SLACK_SECRET = 'slack-signing-secret-8f742231b10e8888abcd99';
export const WEBHOOK_SECRET = 'webhook-secret-for-ci-bot-5d1e0c';
export const MATTERMOST_TOKEN = 'mattermost-command-token-77qq';

/** Secrets come from the environment, as in production config (`{ env: … }`). */
export function exportSecrets(): void {
  process.env.TEST_HOOK_SLACK_SECRET = SLACK_SECRET;
  process.env.TEST_HOOK_WEBHOOK_SECRET = WEBHOOK_SECRET;
  process.env.TEST_HOOK_MATTERMOST_TOKEN = MATTERMOST_TOKEN;
}

export const principals: Principal[] = [
  { id: 'rita', groups: ['dev', 'release-approvers'], chat: { slack: 'U0RITA' } },
  {
    id: 'alice',
    groups: ['release-approvers'],
    chat: { slack: 'U0ALICE', webhook: 'alice@corp', mattermost: 'mm-alice' },
  },
  { id: 'bob', groups: ['release-approvers'], chat: { slack: 'U0BOB', webhook: 'bob@corp' } },
  { id: 'mallory', groups: ['dev'], chat: { slack: 'U0MALLORY' } },
].map((p) => Principal.parse(p));

export function serviceKey(id = 'hook-test') {
  const privateKey = generateSigningKey();
  return {
    id,
    privateKey,
    publicKeyText: publicKeyText(privateKey),
    publicKeyHex: rawPublicKey(privateKey).toString('hex'),
  };
}

export function trustFor(key: { id: string; publicKeyHex: string }): TrustSnapshot {
  return {
    principals: principals.map((p) => ({ id: p.id, groups: p.groups })),
    keys: { [`chat:${key.id}`]: { publicKeyHex: key.publicKeyHex, kind: 'chat-service' } },
  };
}

export async function tempLedger(logger: Logger): Promise<{ ledger: Ledger; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-hook-'));
  const ledger = await createLedger({ type: 'file', path: dir }, { logger });
  return {
    ledger,
    dispose: async () => {
      await ledger.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every line the logger wrote, for asserting on what reached (and never reached) the logs. */
export function capturedLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), text: () => chunks.join('') };
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export interface SentRequest {
  status: number;
  body: { response_type?: string; text?: string; tollgate?: { ok: boolean; refusal?: string } };
}

export async function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string>,
): Promise<SentRequest> {
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  let parsed: SentRequest['body'] = {};
  try {
    parsed = JSON.parse(text) as SentRequest['body'];
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed };
}

export function slashCommandBody(userId: string, text: string, extra: Record<string, string> = {}): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0TEAM',
    channel_id: 'C0RELEASES',
    user_id: userId,
    user_name: userId.toLowerCase(),
    command: '/tollgate',
    text,
    trigger_id: `${Date.now()}.${Math.random()}`,
    ...extra,
  }).toString();
}

export function interactionBody(
  userId: string,
  actionId: string,
  value: string,
  responseUrl?: string,
): string {
  const payload = {
    type: 'block_actions',
    user: { id: userId, username: userId.toLowerCase(), team_id: 'T0TEAM' },
    team: { id: 'T0TEAM' },
    actions: [
      { action_id: actionId, block_id: 'b', type: 'button', value, action_ts: String(Date.now() / 1000) },
    ],
    ...(responseUrl ? { response_url: responseUrl } : {}),
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function slackHeaders(
  body: string,
  opts: { secret?: string; timestamp?: number } = {},
): Record<string, string> {
  const timestamp = String(opts.timestamp ?? nowSeconds());
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': slackSignature(opts.secret ?? SLACK_SECRET, timestamp, body),
  };
}

let deliveries = 0;
export function webhookHeaders(
  body: string,
  opts: { secret?: string; deliveryId?: string } = {},
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-tollgate-signature': webhookSignature(opts.secret ?? WEBHOOK_SECRET, body),
    'x-tollgate-delivery': opts.deliveryId ?? `delivery-${process.pid}-${++deliveries}`,
  };
}

export function webhookBody(fields: Record<string, unknown>): string {
  return JSON.stringify({ timestamp: nowSeconds(), ...fields });
}

export async function securityRecords(ledger: Ledger, chainId: string): Promise<EvidenceRecord[]> {
  return (await ledger.read(chainId)).filter((r) => r.type === 'security.refused');
}

export function sha256Digest(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: unknown;
}

/**
 * A local HTTP endpoint standing in for Slack's incoming webhooks and response URLs: records
 * every POST and answers with the status codes it is told to (then 200).
 */
export class Receiver {
  readonly received: Received[] = [];
  /** The requests answered with 200. */
  readonly delivered: Received[] = [];
  private readonly statuses: number[] = [];
  private waiters: { predicate: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        const entry = { path: req.url ?? '/', headers: req.headers, body, json };
        this.received.push(entry);
        const status = this.statuses.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'error');
        if (status === 200) {
          this.delivered.push(entry);
          const ready = this.waiters.filter((w) => w.predicate(entry));
          this.waiters = this.waiters.filter((w) => !ready.includes(w));
          ready.forEach((w) => w.resolve(entry));
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('receiver has no port');
    this.url = `http://127.0.0.1:${address.port}`;
    return this.url;
  }

  /** The next requests are answered with these statuses, in order. */
  failNext(...statuses: number[]): void {
    this.statuses.push(...statuses);
  }

  /** Resolves with the first successfully received request matching `predicate` (past or future). */
  waitFor(predicate: (r: Received) => boolean, timeoutMs = 20_000): Promise<Received> {
    const seen = this.delivered.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('receiver: expected request did not arrive')),
        timeoutMs,
      );
      this.waiters.push({
        predicate,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
