import { z } from 'zod';
import { EvidencePayload } from './evidence-payloads.js';
import { firstIssue } from './zod-issue.js';

export { EvidencePayload, payloadOf, type PayloadOf } from './evidence-payloads.js';

/** How the actor of a record was identified. */
export const Actor = z.object({
  /** Principal id, or `tollgate` for the system itself. */
  id: z.string().min(1),
  channel: z.enum(['system', 'cli', 'slack', 'mattermost', 'webhook', 'api']),
  /** e.g. `ed25519:<keyId>` for a signed CLI vote, `slack-signature+hook-key:<keyId>` for chat. */
  verifiedBy: z.string().optional(),
  chatIdentity: z.object({ platform: z.string(), userId: z.string() }).optional(),
});
export type Actor = z.infer<typeof Actor>;

/** Every evidence type: the keys of the payload union, so the list exists once. */
export const EvidenceType = z.enum(
  EvidencePayload.options.map((o) => o.shape.type.value) as [
    EvidencePayload['type'],
    ...EvidencePayload['type'][],
  ],
);
export type EvidenceType = z.infer<typeof EvidenceType>;

/** The records that end a promotion: after one of them its chain is sealed. */
export const TERMINAL_TYPES: ReadonlySet<EvidenceType> = new Set<EvidenceType>([
  'promotion.completed',
  'promotion.failed',
  'promotion.rolled-back',
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

/** True for a record type that ends a promotion's chain. */
export function isTerminal(type: string): boolean {
  return (TERMINAL_TYPES as ReadonlySet<string>).has(type);
}

/**
 * Checks an input's payload against its type's schema (evidence-payloads.ts). Returns the first
 * problem as `path message`, or undefined when the payload has its type's shape.
 */
export function payloadProblem(input: { type: string; data: unknown }): string | undefined {
  const parsed = EvidencePayload.safeParse({ type: input.type, data: input.data });
  return parsed.success ? undefined : firstIssue(parsed.error);
}
