/**
 * Reading a hook request: the raw body (signatures are computed over its exact bytes, so nothing
 * is parsed before the request is authenticated), its headers and fields, and the refusals for
 * requests the HTTP framework itself turned away. Every problem is a 4xx Refusal saying what to fix.
 */
import type { FastifyError, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { Refusal } from './refusals.js';

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';

/** The body as received, if it has the content type this endpoint takes and is not empty. */
export function rawBody(req: FastifyRequest, type: string): Buffer {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== type) throw new Refusal('unsupported-media-type', `this endpoint takes ${type}`);
  if (!Buffer.isBuffer(req.body) || req.body.length === 0)
    throw new Refusal('bad-request', 'request body is empty');
  return req.body;
}

export function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** `value` checked by `schema`; the first problem names the field (`what: path message`). */
export function parseField<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Refusal('bad-request', `${what}: ${issue.path.join('.') || '(root)'} ${issue.message}`);
  }
  return result.data;
}

export function form(raw: Buffer): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
}

export function json(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Refusal('bad-request', `${what} is not valid JSON`);
  }
}

/** A 4xx the framework raised (body too large, unknown content type, malformed request) as a Refusal. */
export function frameworkRefusal(err: FastifyError, bodyBytes: number): Refusal {
  const kind =
    err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? 'body-too-large'
      : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? 'unsupported-media-type'
        : 'bad-request';
  const reason =
    kind === 'body-too-large'
      ? `request body is larger than ${bodyBytes} bytes`
      : kind === 'unsupported-media-type'
        ? `content type must be ${FORM} (Slack, Mattermost) or ${JSON_TYPE} (webhooks)`
        : err.message;
  return new Refusal(kind, reason);
}
