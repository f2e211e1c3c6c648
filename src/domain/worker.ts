import { z } from 'zod';

/**
 * The stage worker that executed a deploy, traffic shift, canary promotion or rollback, and its
 * signature over what it did. It travels in the serving state a stage activity returns, so the
 * deploy, traffic and rollback evidence records carry it as `data.serving.worker`.
 */
export const WorkerSignature = z.object({
  /** The worker's identity name from its own config (`worker.identity`). */
  identity: z.string().min(1),
  /** The stage the worker is configured for and executed the operation at. */
  stage: z.string().min(1),
  /** `worker:<identity>:<fingerprint of the public key>`. */
  keyId: z.string().min(1),
  /** The operation's idempotency key `<promotionId>/<stage>/<op>[/<step>]`: which operation was signed. */
  operation: z.string().min(1),
  /** Ed25519 (hex) over the RFC 8785 JSON of the `WorkerStatement`. */
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});
export type WorkerSignature = z.infer<typeof WorkerSignature>;

/**
 * What a stage worker signs: the operation bound to its promotion, stage and release digest, and
 * the serving state it left (without the signature itself). An auditor rebuilds it from the
 * record: the promotion id and stage of the record, the release digest of `promotion.started`.
 */
export interface WorkerStatement {
  kind: 'stage-operation';
  promotionId: string;
  stage: string;
  operation: string;
  /** The release digest the stage attestation admitted; null for an operator's rollback outside a promotion. */
  releaseDigest: string | null;
  serving: unknown;
}

export function workerStatement(
  signature: Pick<WorkerSignature, 'stage' | 'operation'>,
  bound: { promotionId: string; releaseDigest: string | null },
  serving: Record<string, unknown>,
): WorkerStatement {
  const state = Object.fromEntries(Object.entries(serving).filter(([field]) => field !== 'worker'));
  return {
    kind: 'stage-operation',
    promotionId: bound.promotionId,
    stage: signature.stage,
    operation: signature.operation,
    releaseDigest: bound.releaseDigest,
    serving: state,
  };
}

export function workerKeyId(identity: string, fingerprint: string): string {
  return `worker:${identity}:${fingerprint}`;
}

/** A worker trusted by workers and auditors: an identity, its public key, and the stages it serves. */
export interface TrustedWorker {
  identity: string;
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Buffer;
  stages: string[];
}
