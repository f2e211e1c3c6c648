import { z } from 'zod';
import { Duration, Name, PrincipalId } from '../domain/common.js';
import { TargetConfig } from '../targets/config.js';
import { CanaryConfig } from '../canary/config.js';
import { StagePolicyConfig } from '../policy/config.js';
import { PolicySettings } from '../policy/settings.js';
import { HookConfig, NotifyTargetConfig } from '../chat/config.js';

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
export const Principal = z.object({
  id: PrincipalId,
  name: z.string().optional(),
  groups: z.array(Name).default([]),
  /** Keys this principal signs votes and commands with from the CLI. */
  publicKeys: z.array(PublicKeyText).default([]),
  /** Chat identities that map to this principal, e.g. { slack: 'U024BE7LH', webhook: 'alice@corp' }. */
  chat: z.record(z.string(), z.string()).default({}),
});
export type Principal = z.infer<typeof Principal>;

export const ApprovalRule = z.object({
  groups: z.array(Name).min(1),
  quorum: z.number().int().min(1).default(1),
  /** Each approval must come from a different group (e.g. one from dev, one from security). */
  distinctGroups: z.boolean().default(false),
  timeout: Duration.default('24h'),
});
export type ApprovalRule = z.infer<typeof ApprovalRule>;

/** A weekly window in UTC during which deploys to a stage may start, e.g. Mon-Thu 09:00-16:00. */
export const ChangeWindow = z.object({
  days: z.array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).min(1),
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (UTC)'),
  end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (UTC)'),
});
export type ChangeWindow = z.infer<typeof ChangeWindow>;

export const Stage = z.object({
  name: Name,
  target: TargetConfig,
  policy: StagePolicyConfig.default({ packs: [] }),
  approval: ApprovalRule.optional(),
  canary: CanaryConfig.optional(),
  changeWindows: z.array(ChangeWindow).default([]),
});
export type Stage = z.infer<typeof Stage>;

export const Pipeline = z
  .object({
    name: Name,
    stages: z.array(Stage).min(1),
    /** A second promotion of the same app reaching a stage that is busy: wait, fail, or take over. */
    onConflict: z.enum(['queue', 'reject', 'supersede']).default('queue'),
    /** Who may waive a failed policy rule or a closed change window (break-glass). */
    waiverGroups: z.array(Name).default([]),
    /** Who may pause, resume, abort, promote-now and freeze, besides the requester. */
    operatorGroups: z.array(Name).default([]),
  })
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
    z.object({ type: z.literal('file'), path: z.string().default('.tollgate/ledger') }),
    z.object({ type: z.literal('postgres'), connectionString: z.string().min(1) }),
  ])
  .default({ type: 'file', path: '.tollgate/ledger' });

export const TollgateConfig = z
  .object({
    apiVersion: z.literal('tollgate.dev/v1'),
    kind: z.literal('Config'),
    principals: z.array(Principal).default([]),
    /** Keys of chat hook services; the workflow trusts them only for chat-sourced identities. */
    chatServiceKeys: z.array(z.object({ id: z.string().min(1), publicKey: PublicKeyText })).default([]),
    pipelines: z.array(Pipeline).min(1),
    ledger: LedgerConfig,
    /**
     * The orchestration worker's key: it signs stage attestations, policy results and
     * coordination messages; stage workers and promotions trust only its public part.
     */
    orchestration: z
      .object({
        /** Ed25519 private key file (PKCS#8 PEM); default `<TOLLGATE_HOME>/keys/orchestration.pem`, created on first use. */
        signingKey: z.string().optional(),
        /** Public keys a stage worker accepts attestations from; default: the public part of `signingKey`. */
        publicKeys: z.array(PublicKeyText).default([]),
      })
      .default({ publicKeys: [] }),
    /** Ed25519 private key file that signs ledger chain heads when a promotion ends. */
    ledgerSigningKey: z.string().optional(),
    policyPackDirs: z.array(z.string()).default(['deploy/policies']),
    /** What the policy packs compare evidence against (trusted keys, allow-lists, thresholds). */
    policy: PolicySettings.prefault({}),
    /** The chat hook service (`tollgate hook serve`, `tollgate dev`). */
    hook: HookConfig.optional(),
    /** Where the notify activity posts promotion news. */
    notify: z.array(NotifyTargetConfig).default([]),
    /** Deploy targets keep their state here (`<stateDir>/<stage>/`): serving versions, operation logs. */
    stateDir: z.string().default('.tollgate/state'),
    temporal: z
      .object({
        /** Base URL of the Temporal Web UI for links the CLI prints (the dev server's by default). */
        webUi: z.url().optional(),
      })
      .default({}),
  })
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
