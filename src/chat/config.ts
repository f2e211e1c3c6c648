import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { Name } from '../domain/common.js';

/**
 * Where a secret comes from. Secrets are never written into the config file itself, so the file
 * can be reviewed and committed: `{ env: SLACK_SIGNING_SECRET }` or `{ file: /run/secrets/slack }`.
 */
export const SecretRef = z.union([
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof SecretRef>;

const Hosts = z.array(z.string().min(1));

/** Slack (and Mattermost) post their `response_url` follow-ups only to these hosts. */
export const SlackConfig = z.object({
  signingSecret: SecretRef,
  responseUrlHosts: Hosts.default(['hooks.slack.com']),
});

/**
 * Mattermost's Slack-compatible slash commands authenticate with the command's token (it has no
 * request signing); the identity key in a principal's `chat` map is `mattermost`.
 */
export const MattermostConfig = z.object({
  token: SecretRef,
  responseUrlHosts: Hosts.default([]),
});

/** One generic webhook integration: its own secret, posted to /v1/webhooks/<id>. */
export const WebhookIntegration = z.object({
  id: Name,
  secret: SecretRef,
  /** The key in a principal's `chat` map that holds this integration's user names. */
  identity: z.string().min(1).default('webhook'),
});

const Bucket = z.object({
  /** Requests allowed in a burst. */
  burst: z.number().int().min(1),
  /** Requests regained per minute. */
  perMinute: z.number().min(0),
});

export const HookConfig = z.object({
  listen: z
    .object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(8787) })
    .default({ host: '127.0.0.1', port: 8787 }),
  /** Trust X-Forwarded-For from these proxies (fastify `trustProxy`) so rate limits see the real address. */
  trustProxy: z.union([z.boolean(), z.array(z.string())]).default(false),
  /** The hook's own Ed25519 key: its id must be listed under `chatServiceKeys` in the config. */
  serviceKey: z.object({ id: z.string().min(1), privateKeyFile: z.string().min(1) }).optional(),
  slack: SlackConfig.optional(),
  mattermost: MattermostConfig.optional(),
  webhooks: z.array(WebhookIntegration).default([]),
  /** Prefix that turns a promotion id into its workflow id. */
  workflowIdPrefix: z.string().default(''),
  limits: z
    .object({
      bodyBytes: z.number().int().min(256).max(1_048_576).default(65_536),
      perIdentity: Bucket.default({ burst: 10, perMinute: 30 }),
      perAddress: Bucket.default({ burst: 60, perMinute: 300 }),
    })
    .default({
      bodyBytes: 65_536,
      perIdentity: { burst: 10, perMinute: 30 },
      perAddress: { burst: 60, perMinute: 300 },
    }),
});
export type HookConfig = z.infer<typeof HookConfig>;
export type HookConfigInput = z.input<typeof HookConfig>;

/** An outbound notification destination (see activities/notify.ts). */
export const NotifyTargetConfig = z.object({
  name: z.string().min(1),
  /** Slack incoming-webhook URLs are themselves secrets, so a URL may come from a SecretRef. */
  url: z.union([z.url({ protocol: /^https?$/ }), SecretRef]),
  format: z.enum(['slack', 'generic']).default('generic'),
  /** Only these events are posted (all when omitted). */
  events: z.array(z.string()).optional(),
  /** Generic targets: signs each body with `X-Tollgate-Signature: sha256=<hex>`. */
  secret: SecretRef.optional(),
});
export type NotifyTargetConfig = z.infer<typeof NotifyTargetConfig>;

/** A notify target with its secrets read. */
export interface NotifyTarget {
  name: string;
  url: string;
  format: 'slack' | 'generic';
  events?: string[];
  secret?: string;
}

export async function resolveSecret(ref: SecretRef, what: string): Promise<string> {
  if ('env' in ref) {
    const value = process.env[ref.env];
    if (!value) throw new Error(`${what}: environment variable ${ref.env} is not set`);
    return value;
  }
  let text: string;
  try {
    text = await readFile(ref.file, 'utf8');
  } catch (err) {
    throw new Error(
      `${what}: cannot read secret file ${ref.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const value = text.trim();
  if (!value) throw new Error(`${what}: secret file ${ref.file} is empty`);
  return value;
}

export async function resolveNotifyTargets(targets: NotifyTargetConfig[]): Promise<NotifyTarget[]> {
  return Promise.all(
    targets.map(async (t, i) => ({
      name: t.name,
      url: typeof t.url === 'string' ? t.url : await resolveSecret(t.url, `notify[${i}].url`),
      format: t.format,
      events: t.events,
      secret: t.secret ? await resolveSecret(t.secret, `notify[${i}].secret`) : undefined,
    })),
  );
}
