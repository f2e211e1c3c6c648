/**
 * Request authentication for the chat platforms. Every comparison of a received MAC or token is
 * constant-time, and nothing here logs or returns the secrets or the received signatures.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses requests older than this, and so do we (replays inside it are caught by ReplayGuard). */
export const MAX_SIGNATURE_AGE_SECONDS = 300;

export type SignatureCheck =
  { ok: true } | { ok: false; kind: 'bad-signature' | 'stale-timestamp'; reason: string };

function hmacHex(secret: string, data: Buffer | string): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

/**
 * A comparison that does not leak where two strings differ. Both sides are hashed first, so
 * timingSafeEqual always compares equal-length buffers and a length mismatch takes no shortcut.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function slackSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `v0=${hmacHex(secret, Buffer.concat([Buffer.from(`v0:${timestamp}:`), Buffer.from(rawBody)]))}`;
}

/** Slack request signing v0: `v0=` + HMAC-SHA256(secret, `v0:<timestamp>:<raw body>`). */
export function verifySlackSignature(
  secret: string,
  headers: { signature?: string; timestamp?: string },
  rawBody: Buffer,
  nowMs: number,
): SignatureCheck {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp)
    return {
      ok: false,
      kind: 'bad-signature',
      reason: 'missing X-Slack-Signature or X-Slack-Request-Timestamp header',
    };
  if (!/^\d{1,12}$/.test(timestamp))
    return { ok: false, kind: 'bad-signature', reason: 'X-Slack-Request-Timestamp must be Unix seconds' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_SIGNATURE_AGE_SECONDS)
    return {
      ok: false,
      kind: 'stale-timestamp',
      reason: 'request timestamp is more than 5 minutes away from now',
    };
  if (!constantTimeEqual(signature, slackSignature(secret, timestamp, rawBody)))
    return { ok: false, kind: 'bad-signature', reason: 'X-Slack-Signature does not match the request body' };
  return { ok: true };
}

export function webhookSignature(secret: string, rawBody: Buffer | string): string {
  return `sha256=${hmacHex(secret, rawBody)}`;
}

/** GitHub-style `X-Tollgate-Signature: sha256=<hex>` over the raw body. */
export function verifyWebhookSignature(
  secret: string,
  signature: string | undefined,
  rawBody: Buffer,
): SignatureCheck {
  if (!signature) return { ok: false, kind: 'bad-signature', reason: 'missing X-Tollgate-Signature header' };
  if (!constantTimeEqual(signature, webhookSignature(secret, rawBody)))
    return {
      ok: false,
      kind: 'bad-signature',
      reason: 'X-Tollgate-Signature does not match the request body',
    };
  return { ok: true };
}

/** Mattermost sends the slash command's token in the body and as `Authorization: Token <token>`. */
export function verifyMattermostToken(expected: string, received: string | undefined): SignatureCheck {
  if (!received) return { ok: false, kind: 'bad-signature', reason: 'missing Mattermost command token' };
  if (!constantTimeEqual(received, expected))
    return { ok: false, kind: 'bad-signature', reason: 'Mattermost command token does not match' };
  return { ok: true };
}
