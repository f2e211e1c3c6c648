/**
 * The `data` of every evidence type, defined once: a zod discriminated union keyed by the record's
 * `type`. The ledger checks a new record against it on append (src/ledger/record.ts); audit,
 * list, report and backtest read payloads through `payloadOf` instead of casting.
 *
 * Every payload is a loose object: a field a newer producer adds (a stage worker's `worker`
 * identity, a digest) passes through, and the fields listed here are checked when present. A field
 * is required only where every producer, old and new, has always written it, so chains written by
 * older code still read.
 */
import { z } from 'zod';
import { WorkerSignature } from './worker.js';

const text = z.string();
const opt = <T extends z.ZodType>(schema: T) => schema.optional();
/** A field recorded as `null` when absent (workflow code writes `?? null` for a stable shape). */
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

/**
 * What a target reports it serves; kept loose, targets differ in detail. A stage worker adds its
 * signature over it (`worker`), which the separation row checks.
 */
const Serving = z.looseObject({ worker: opt(WorkerSignature) });

/** The end of a promotion: its status as the workflow result names it, and why. */
const Ended = z.looseObject({ status: opt(text), outcome: opt(text) });

export const PromotionStarted = z.looseObject({
  release: opt(
    z.looseObject({
      app: opt(text),
      version: opt(text),
      requester: opt(text),
    }),
  ),
  releaseDigest: opt(text),
  pipeline: opt(z.union([text, z.looseObject({ name: opt(text), digest: opt(text) })])),
  stages: opt(z.array(text)),
  requester: opt(text),
  configDigest: opt(text),
});
export type PromotionStarted = z.infer<typeof PromotionStarted>;

export const PolicyEvaluated = z.looseObject({
  passed: opt(z.boolean()),
  resultHash: opt(text),
  packs: opt(z.array(z.looseObject({ name: opt(text), version: opt(text) }))),
  rules: opt(
    z.array(
      z.looseObject({
        pack: opt(text),
        ruleId: opt(text),
        severity: opt(text),
        outcome: opt(text),
        message: opt(text),
        controls: opt(z.array(text)),
      }),
    ),
  ),
  facts: opt(z.record(z.string(), z.unknown())),
});
export type PolicyEvaluated = z.infer<typeof PolicyEvaluated>;

export const ApprovalVote = z.looseObject({
  approver: opt(text),
  decision: opt(text),
  channel: opt(text),
  keyId: opt(text),
  comment: opt(text),
  releaseDigest: opt(text),
  policyResultHash: opt(text),
  signature: opt(text),
});

export const WaiverGranted = z.looseObject({
  waives: opt(z.array(text)),
  justification: opt(text),
  expiresAt: opt(text),
  by: opt(text),
  signature: opt(text),
});

export const CanaryAnalysis = z.looseObject({
  step: opt(z.number()),
  weight: opt(z.number()),
  verdict: opt(text),
  reason: opt(text),
  version: opt(text),
  metrics: opt(z.array(z.looseObject({ name: opt(text), verdict: opt(text), reason: opt(text) }))),
});
export type CanaryAnalysis = z.infer<typeof CanaryAnalysis>;

export const RollbackRequested = z.looseObject({
  app: text,
  stage: text,
  pipeline: opt(text),
  requestedBy: opt(text),
  toVersion: nullable(text),
  reason: nullable(text),
});
export type RollbackRequested = z.infer<typeof RollbackRequested>;

/** A stage rollback (in a promotion) or an operator's rollback, which also ends its own chain. */
export const RollbackEnded = z.looseObject({
  reason: nullable(text),
  from: nullable(text),
  restored: nullable(text),
  error: opt(text),
  requestedBy: opt(text),
  serving: opt(Serving),
  status: opt(text),
  outcome: opt(text),
});
export type RollbackEnded = z.infer<typeof RollbackEnded>;

export const SecurityRefused = z.looseObject({
  reason: opt(text),
  refusal: opt(text),
  channel: opt(text),
  actor: opt(text),
  command: opt(text),
  status: opt(z.union([text, z.number()])),
  outcome: opt(text),
});
export type SecurityRefused = z.infer<typeof SecurityRefused>;

const Control = z.looseObject({ command: opt(text), reason: nullable(text) });
const Any = z.looseObject({});

const entry = <T extends string, S extends z.ZodType>(type: T, data: S) =>
  z.object({ type: z.literal(type), data });

/** Every evidence type with its payload. The type list in evidence.ts is derived from this. */
export const EvidencePayload = z.discriminatedUnion('type', [
  entry('promotion.started', PromotionStarted),
  entry('promotion.completed', Ended),
  entry('promotion.failed', Ended),
  /** A promotion whose failed stage was rolled back (before this type: `promotion.failed`). */
  entry('promotion.rolled-back', Ended),
  entry('promotion.rejected', Ended),
  entry('promotion.expired', Ended),
  entry('promotion.aborted', Ended),
  entry('promotion.superseded', Ended),
  /** Recorded by Tollgate (not the workflow) for a run terminated or timed out from outside. */
  entry('promotion.terminated', Ended.extend({ runId: opt(text), reason: opt(text) })),
  entry('promotion.timed-out', Ended.extend({ runId: opt(text) })),
  entry('stage.entered', Any),
  entry('stage.completed', z.looseObject({ version: opt(text) })),
  entry('stage.attested', z.looseObject({ phase: opt(text) })),
  entry('lock.acquired', z.looseObject({ mode: opt(text) })),
  entry('lock.refused', z.looseObject({ heldBy: nullable(text), mode: opt(text) })),
  /** The stage's lock chain (lock:<app>:<stage>): who released the stage it held. */
  entry('lock.released', z.looseObject({ app: opt(text) })),
  entry('policy.evaluated', PolicyEvaluated),
  entry('waiver.granted', WaiverGranted),
  entry('approval.requested', z.looseObject({ quorum: opt(z.number()), groups: opt(z.array(text)) })),
  entry('approval.vote', ApprovalVote),
  entry('approval.granted', z.looseObject({ votes: opt(z.array(z.unknown())) })),
  entry('window.waiting', z.looseObject({ opensAt: nullable(text) })),
  entry('window.open', z.looseObject({ waived: opt(z.boolean()) })),
  entry('freeze.held', z.looseObject({ reason: opt(text), by: opt(text) })),
  entry('freeze.lifted', Any),
  entry('control.paused', Control),
  entry('control.resumed', Control),
  entry('control.promote-now', Control),
  entry('deploy.completed', z.looseObject({ version: opt(text), serving: opt(Serving) })),
  entry(
    'canary.step',
    z.looseObject({ step: opt(z.number()), weight: opt(z.number()), serving: opt(Serving) }),
  ),
  entry('canary.analysis', CanaryAnalysis),
  entry('canary.decision', z.looseObject({ decision: opt(text), by: opt(text), reason: nullable(text) })),
  entry('canary.promoted', z.looseObject({ version: opt(text), serving: opt(Serving) })),
  entry('rollback.requested', RollbackRequested),
  entry('rollback.completed', RollbackEnded),
  entry('rollback.failed', RollbackEnded),
  entry('security.refused', SecurityRefused),
  entry('dr.drill', Any),
]);
export type EvidencePayload = z.infer<typeof EvidencePayload>;

/** The payload of one evidence type. */
export type PayloadOf<T extends EvidencePayload['type']> = Extract<EvidencePayload, { type: T }>['data'];

/**
 * The typed payload of a record of type `type`, or undefined when the record is of another type
 * or its payload does not have the recorded shape (a reader never throws on an old record).
 */
export function payloadOf<T extends EvidencePayload['type']>(
  record: { type: string; data: unknown } | undefined,
  type: T,
): PayloadOf<T> | undefined {
  if (!record || record.type !== type) return undefined;
  const parsed = EvidencePayload.safeParse({ type: record.type, data: record.data });
  const data: unknown = parsed.success ? parsed.data.data : undefined;
  return data as PayloadOf<T> | undefined;
}
