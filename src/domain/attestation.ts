/**
 * The stage attestation: an in-toto Statement v1 in a DSSE envelope, signed by the
 * orchestration worker when a stage's gates have passed (`admitted`, before the deploy) and
 * when the stage has passed as a whole (`passed`, after its canary). A stage worker checks these
 * with the trust in its own config before it touches its target.
 */
import { z } from 'zod';

export const DSSE_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const STAGE_PREDICATE_TYPE = 'https://tollgate.dev/attestation/stage/v1';

/** A DSSE envelope (https://github.com/secure-systems-lab/dsse/blob/master/envelope.md). */
export const DsseEnvelope = z.object({
  payloadType: z.string(),
  /** base64 of the serialized statement: the exact bytes that were signed (through PAE). */
  payload: z.string(),
  signatures: z.array(z.object({ keyid: z.string().default(''), sig: z.string() })).min(1),
});
export type DsseEnvelope = z.infer<typeof DsseEnvelope>;

/** A signed action as carried inside a predicate; its payload is parsed only after its signature holds. */
const SignedShape = z.object({
  payload: z.record(z.string(), z.unknown()),
  keyId: z.string(),
  signature: z.string(),
});

export const AttestationPhase = z.enum(['admitted', 'passed']);
export type AttestationPhase = z.infer<typeof AttestationPhase>;

export const StagePredicate = z.object({
  promotionId: z.string().min(1),
  stage: z.string().min(1),
  /** `admitted`: every gate before the deploy passed; `passed`: the stage completed, canary included. */
  phase: AttestationPhase,
  pipeline: z.string().min(1),
  /** sha256 of the trust-relevant part of the issuing worker's config (pipelines, principals, keys). */
  configDigest: z.string(),
  release: z.object({ app: z.string(), version: z.string(), digest: z.string() }),
  /** The requester's signed start: the requester is its signer. */
  start: SignedShape,
  policy: z.object({
    resultHash: z.string(),
    passed: z.boolean(),
    failedRules: z.array(z.string()),
    packs: z.array(z.string()),
  }),
  waivers: z.array(SignedShape),
  votes: z.array(SignedShape),
  /** `none`: the stage has no change windows; `waived`: a signed waiver covers a closed window. */
  window: z.enum(['none', 'open', 'waived']),
  /** The canary's outcome (phase `passed` of a stage with a canary), as the stage's analyses reported it. */
  canary: z.object({ verdict: z.enum(['pass', 'promoted-now']), analyses: z.number().int() }).nullable(),
  issuedAt: z.string(),
});
export type StagePredicate = z.infer<typeof StagePredicate>;

export const StageStatement = z.object({
  _type: z.literal(STATEMENT_TYPE),
  subject: z
    .array(z.object({ name: z.string(), digest: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }) }))
    .min(1),
  predicateType: z.literal(STAGE_PREDICATE_TYPE),
  predicate: StagePredicate,
});
export type StageStatement = z.infer<typeof StageStatement>;
