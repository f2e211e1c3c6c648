import { z } from 'zod';
import { Duration, Name, PrincipalId } from '../domain/common.js';
import { TargetConfig } from '../targets/config.js';
import { CanaryConfig } from '../canary/config.js';
import { StagePolicyConfig } from '../policy/config.js';
import { PolicySettings } from '../policy/settings.js';
import { HookConfig, NotifyTargetConfig } from '../chat/config.js';
import { EventsConfig } from '../telemetry/config.js';

/**
 * Every object is strict: an unknown field (a misspelt `quorom:`) is an error with a "did you
 * mean", never silently dropped while the real field keeps its default.
 */

/**
 * A public key as written in config: `ed25519:<base64 of the 32 raw bytes>` or an OpenSSH
 * `ssh-ed25519 AAAA… comment` line.
 */
export const PublicKeyText = z
  .string()
  .regex(
    /^(ed25519:[A-Za-z0-9+/]{43}=|ssh-ed25519 [A-Za-z0-9+/]+=*( .*)?)$/,
    'must be ed25519:<base64> or an ssh-ed25519 public key line',
  );

/** A person (or automation account) who may act on promotions. */
export const Principal = z
  .strictObject({
    id: PrincipalId.describe('the principal id actions are signed as'),
    name: z.string().optional().describe('display name'),
    groups: z
      .array(Name)
      .default([])
      .describe('groups the principal belongs to (approver, operator, waiver groups)'),
    publicKeys: z
      .array(PublicKeyText)
      .default([])
      .describe('keys this principal signs votes and commands with: ed25519:<base64> or ssh-ed25519 lines'),
    chat: z
      .record(z.string(), z.string())
      .default({})
      .describe('chat identities that map to this principal, e.g. { slack: U024BE7LH, webhook: alice@corp }'),
  })
  .describe('a person or automation account who may act on promotions');
export type Principal = z.infer<typeof Principal>;

export const ApprovalRule = z
  .strictObject({
    groups: z.array(Name).min(1).describe('groups whose members may approve'),
    quorum: z.number().int().min(1).default(1).describe('approvals needed'),
    distinctGroups: z
      .boolean()
      .default(false)
      .describe('each approval must come from a different group (e.g. one from dev, one from security)'),
    timeout: Duration.default('24h').describe('the promotion expires when the quorum is not reached by then'),
  })
  .describe('human approval gate of the stage');
export type ApprovalRule = z.infer<typeof ApprovalRule>;

/** A weekly window in UTC during which deploys to a stage may start, e.g. Mon-Thu 09:00-16:00. */
export const ChangeWindow = z
  .strictObject({
    days: z
      .array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))
      .min(1)
      .describe('weekdays the window opens'),
    start: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (UTC)')
      .describe('opening time, HH:MM UTC'),
    end: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (UTC)')
      .describe('closing time, HH:MM UTC (24:00 for midnight)'),
  })
  .describe('a weekly window in UTC during which deploys may start');
export type ChangeWindow = z.infer<typeof ChangeWindow>;

export const Stage = z
  .strictObject({
    name: Name.describe('stage name, e.g. prod; deploys run on the task queue tollgate-deploy-<name>'),
    target: TargetConfig,
    policy: StagePolicyConfig.default({ packs: [] }),
    approval: ApprovalRule.optional(),
    canary: CanaryConfig.optional(),
    changeWindows: z
      .array(ChangeWindow)
      .default([])
      .describe('deploys start only inside one of these windows (always, when empty)'),
  })
  .describe('one environment of the pipeline');
export type Stage = z.infer<typeof Stage>;

export const Pipeline = z
  .strictObject({
    name: Name.describe('pipeline name (promote --pipeline)'),
    stages: z.array(Stage).min(1).describe('the environments a release goes through, in order'),
    onConflict: z
      .enum(['queue', 'reject', 'supersede'])
      .default('queue')
      .describe('a second promotion of the same app reaching a busy stage: wait, fail, or take over'),
    waiverGroups: z
      .array(Name)
      .default([])
      .describe('who may waive a failed policy rule or a closed change window (break-glass)'),
    operatorGroups: z
      .array(Name)
      .default([])
      .describe('who may pause, resume, abort, promote-now and freeze, besides the requester'),
  })
  .describe('the ordered environments an app goes through, with the gates of each')
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.stages.forEach((s, i) => {
      if (seen.has(s.name))
        ctx.addIssue({ code: 'custom', path: ['stages', i, 'name'], message: `duplicate stage ${s.name}` });
      seen.add(s.name);
    });
  });
export type Pipeline = z.infer<typeof Pipeline>;

export const LedgerConfig = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('file').describe('JSON-lines files in a folder'),
      path: z.string().default('.tollgate/ledger').describe('the folder'),
    }),
    z.strictObject({
      type: z.literal('postgres').describe('a PostgreSQL database'),
      connectionString: z.string().min(1).describe('postgres://user@host/db'),
    }),
  ])
  .default({ type: 'file', path: '.tollgate/ledger' })
  .describe('where evidence records are kept');

export const TollgateConfig = z
  .strictObject({
    $schema: z.string().optional().describe('the JSON Schema editors validate this file with'),
    apiVersion: z.literal('tollgate.dev/v1').describe('always tollgate.dev/v1'),
    kind: z.literal('Config').describe('always Config'),
    principals: z.array(Principal).default([]).describe('who may act on promotions, and with which keys'),
    chatServiceKeys: z
      .array(
        z.strictObject({
          id: z.string().min(1).describe('the hook key id'),
          publicKey: PublicKeyText.describe('ed25519:<base64> or an ssh-ed25519 line'),
        }),
      )
      .default([])
      .describe('keys of chat hook services; the workflow trusts them only for chat-sourced identities'),
    pipelines: z.array(Pipeline).min(1).describe('the pipelines releases are promoted through'),
    ledger: LedgerConfig,
    orchestration: z
      .strictObject({
        signingKey: z
          .string()
          .optional()
          .describe(
            'Ed25519 private key file (PKCS#8 PEM) that signs stage attestations, policy results and coordination messages; default <TOLLGATE_HOME>/keys/orchestration.pem, created on first use',
          ),
        publicKeys: z
          .array(PublicKeyText)
          .default([])
          .describe(
            'public keys a stage worker accepts attestations from; default: the public part of signingKey',
          ),
      })
      .default({ publicKeys: [] })
      .describe("the orchestration worker's key: stage workers and promotions trust only its public part"),
    worker: z
      .strictObject({
        identity: Name.default('local').describe(
          'the name this stage worker signs its deploy, traffic and rollback evidence with, e.g. prod-worker',
        ),
        signingKey: z
          .string()
          .optional()
          .describe(
            "Ed25519 private key file (PKCS#8 PEM or OpenSSH) of this worker's identity; default <TOLLGATE_HOME>/keys/worker-<identity>.pem, created on first use",
          ),
      })
      .default({ identity: 'local' })
      .describe("this stage worker's own identity: it signs every change it makes to its target"),
    workers: z
      .array(
        z.strictObject({
          identity: Name.describe('the worker identity, as in its own worker.identity'),
          publicKey: PublicKeyText.describe("the public part of the worker's signing key"),
          stages: z.array(Name).min(1).describe('the stages this worker is trusted to change'),
        }),
      )
      .default([])
      .describe(
        "stage workers whose signed deploy, traffic and rollback evidence is trusted, per stage; default: this installation's own worker for every stage",
      ),
    ledgerSigningKey: z
      .string()
      .optional()
      .describe('Ed25519 private key file that signs ledger chain heads when a promotion ends'),
    policyPackDirs: z
      .array(z.string())
      .default(['deploy/policies'])
      .describe('folders the policy packs are loaded from'),
    policy: PolicySettings.prefault({}),
    hook: HookConfig.optional(),
    notify: z
      .array(NotifyTargetConfig)
      .default([])
      .describe('where the notify activity posts promotion news'),
    events: EventsConfig,
    stateDir: z
      .string()
      .default('.tollgate/state')
      .describe(
        'deploy targets keep their state here (<stateDir>/<stage>/): serving versions, operation logs',
      ),
    temporal: z
      .strictObject({
        webUi: z
          .url()
          .optional()
          .describe("base URL of the Temporal Web UI for links the CLI prints (the dev server's by default)"),
      })
      .default({})
      .describe('Temporal settings beyond the connection (which comes from the Temporal environment config)'),
  })
  .describe('A Tollgate config')
  .superRefine((c, ctx) => {
    const ids = new Set(c.principals.map((p) => p.id));
    if (ids.size !== c.principals.length)
      ctx.addIssue({ code: 'custom', path: ['principals'], message: 'principal ids must be unique' });
    const groups = new Set(c.principals.flatMap((p) => p.groups));
    c.pipelines.forEach((p, pi) =>
      p.stages.forEach((s, si) =>
        s.approval?.groups.forEach((g, gi) => {
          if (!groups.has(g))
            ctx.addIssue({
              code: 'custom',
              path: ['pipelines', pi, 'stages', si, 'approval', 'groups', gi],
              message: `group "${g}" has no members among principals`,
            });
        }),
      ),
    );
  });
export type TollgateConfig = z.infer<typeof TollgateConfig>;
