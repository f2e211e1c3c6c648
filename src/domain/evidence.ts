import { z } from 'zod';

/** How the actor of a record was identified. */
export const Actor = z.object({
  /** Principal id, or `tollgate` for the system itself. */
  id: z.string().min(1),
  channel: z.enum(['system', 'cli', 'slack', 'webhook', 'api']),
  /** e.g. `ed25519:<keyId>` for a signed CLI vote, `slack-signature+hook-key:<keyId>` for chat. */
  verifiedBy: z.string().optional(),
  chatIdentity: z.object({ platform: z.string(), userId: z.string() }).optional(),
});
export type Actor = z.infer<typeof Actor>;

export const EvidenceType = z.enum([
  'promotion.started',
  'promotion.completed',
  'promotion.failed',
  'promotion.rejected',
  'promotion.expired',
  'promotion.aborted',
  'promotion.superseded',
  /** Recorded by Tollgate (not the workflow) for a run terminated or timed out from outside. */
  'promotion.terminated',
  'promotion.timed-out',
  'stage.entered',
  'stage.completed',
  'stage.attested',
  'lock.acquired',
  'lock.released',
  'lock.refused',
  'policy.evaluated',
  'waiver.granted',
  'approval.requested',
  'approval.vote',
  'approval.granted',
  'window.waiting',
  'window.open',
  'freeze.held',
  'freeze.lifted',
  'control.paused',
  'control.resumed',
  'control.promote-now',
  'deploy.completed',
  'deploy.failed',
  'canary.step',
  'canary.analysis',
  'canary.decision',
  'canary.promoted',
  'rollback.requested',
  'rollback.completed',
  'rollback.failed',
  'history.archived',
  'security.refused',
  'dr.drill',
]);
export type EvidenceType = z.infer<typeof EvidenceType>;

/** The records that end a promotion: after one of them its chain is sealed. */
export const TERMINAL_TYPES: ReadonlySet<EvidenceType> = new Set<EvidenceType>([
  'promotion.completed',
  'promotion.failed',
  'promotion.rejected',
  'promotion.expired',
  'promotion.aborted',
  'promotion.superseded',
  'promotion.terminated',
  'promotion.timed-out',
]);

/**
 * What a producer hands the ledger. The workflow assigns `seq` (deterministically) for the
 * promotion's chain; security events received outside the workflow go to their own chain with
 * a sequence the store assigns.
 */
export const EvidenceInput = z.object({
  chainId: z.string().min(1),
  seq: z.number().int().nonnegative(),
  promotionId: z.string().min(1),
  workflowId: z.string().optional(),
  runId: z.string().optional(),
  stage: z.string().optional(),
  type: EvidenceType,
  actor: Actor,
  /** ISO-8601 time: workflow time for records the workflow emits, so retries are byte-identical. */
  time: z.string(),
  data: z.record(z.string(), z.unknown()),
  controls: z.array(z.string()).default([]),
});
export type EvidenceInput = z.input<typeof EvidenceInput>;

/** A stored record: the input plus its place in the hash chain. */
export const EvidenceRecord = EvidenceInput.extend({
  prevHash: z.string(),
  /** sha256 (hex) of the RFC 8785 canonical JSON of the record without `hash`. */
  hash: z.string(),
});
export type EvidenceRecord = z.infer<typeof EvidenceRecord>;
