import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { Name } from '../domain/common.js';

/**
 * Where a secret comes from. Secrets are never written into the config file itself, so the file
 * can be reviewed and committed: `{ env: SLACK_SIGNING_SECRET }` or `{ file: /run/secrets/slack }`.
 * Every object here is strict: an unknown (misspelt) field is an error, not silently ignored.
 */
export const SecretRef = z
  .union([
    z.strictObject({
      env: z.string().min(1).describe('name of the environment variable holding the secret'),
    }),
    z.strictObject({ file: z.string().min(1).describe('path of a file holding the secret') }),
  ])
  .describe('a secret, read from an environment variable or a file, never written in the config');
export type SecretRef = z.infer<typeof SecretRef>;

const Hosts = z.array(z.string().min(1));

/** Slack (and Mattermost) post their `response_url` follow-ups only to these hosts. */
export const SlackConfig = z
  .strictObject({
    signingSecret: SecretRef.describe("the Slack app's signing secret"),
    responseUrlHosts: Hosts.default(['hooks.slack.com']).describe(
      'hosts the hook may post response_url follow-ups to',
    ),
  })
  .describe('Slack slash commands and interactive buttons');

/**
 * Mattermost's Slack-compatible slash commands authenticate with the command's token (it has no
 * request signing); the identity key in a principal's `chat` map is `mattermost`.
 */
export const MattermostConfig = z
  .strictObject({
    token: SecretRef.describe("the slash command's token"),
    responseUrlHosts: Hosts.default([]).describe('hosts the hook may post response_url follow-ups to'),
  })
  .describe('Mattermost slash commands (Slack-compatible)');

/** One generic webhook integration: its own secret, posted to /v1/webhooks/<id>. */
export const WebhookIntegration = z.strictObject({
  id: Name.describe('the integration id: requests go to /v1/webhooks/<id>'),
  secret: SecretRef.describe('HMAC secret the sender signs each request with'),
  identity: z
    .string()
    .min(1)
    .default('webhook')
    .describe("the key in a principal's chat map that holds this integration's user names"),
});

const Bucket = z.strictObject({
  burst: z.number().int().min(1).describe('requests allowed in a burst'),
  perMinute: z.number().min(0).describe('requests regained per minute'),
});

export const HookConfig = z
  .strictObject({
    listen: z
      .strictObject({
        host: z.string().default('127.0.0.1').describe('address to listen on'),
        port: z
          .number()
          .int()
          .min(0)
          .max(65535)
          .default(8787)
          .describe('port to listen on (0: any free port)'),
      })
      .default({ host: '127.0.0.1', port: 8787 })
      .describe('where the hook listens'),
    trustProxy: z
      .union([z.boolean(), z.array(z.string())])
      .default(false)
      .describe('trust X-Forwarded-For from these proxies so rate limits see the real address'),
    serviceKey: z
      .strictObject({
        id: z.string().min(1).describe('key id; must be listed under chatServiceKeys'),
        privateKeyFile: z.string().min(1).describe('Ed25519 private key (PKCS#8 PEM) file'),
      })
      .optional()
      .describe("the hook's own Ed25519 key, which signs chat-sourced actions"),
    slack: SlackConfig.optional(),
    mattermost: MattermostConfig.optional(),
    webhooks: z.array(WebhookIntegration).default([]).describe('generic signed webhook integrations'),
    workflowIdPrefix: z
      .string()
      .default('')
      .describe('prefix that turns a promotion id into its workflow id'),
    limits: z
      .strictObject({
        bodyBytes: z.number().int().min(256).max(1_048_576).default(65_536).describe('largest request body'),
        perIdentity: Bucket.default({ burst: 10, perMinute: 30 }).describe('rate limit per chat user'),
        perAddress: Bucket.default({ burst: 60, perMinute: 300 }).describe('rate limit per client address'),
      })
      .default({
        bodyBytes: 65_536,
        perIdentity: { burst: 10, perMinute: 30 },
        perAddress: { burst: 60, perMinute: 300 },
      })
      .describe('request size and rate limits'),
  })
  .describe('the chat hook service (`tollgate hook serve`, `tollgate dev`)');
export type HookConfig = z.infer<typeof HookConfig>;
export type HookConfigInput = z.input<typeof HookConfig>;

/** An outbound notification destination (see activities/notify.ts). */
export const NotifyTargetConfig = z.strictObject({
  name: z.string().min(1).describe('name of the destination, for logs'),
  url: z
    .union([z.url({ protocol: /^https?$/ }), SecretRef])
    .describe('where to post; Slack incoming-webhook URLs are secrets, so a URL may come from a secret'),
  format: z.enum(['slack', 'generic']).default('generic').describe('message format'),
  events: z.array(z.string()).optional().describe('only these events are posted (all when omitted)'),
  secret: SecretRef.optional().describe(
    'generic targets: signs each body with X-Tollgate-Signature: sha256=<hex>',
  ),
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
