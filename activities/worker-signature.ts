/**
 * A stage worker signs every change it makes to its target with its own identity key: the
 * serving state each deploy, traffic shift, canary promotion and rollback returns carries
 * `worker: { identity, stage, keyId, operation, signature }`, so the evidence record the
 * workflow writes from it names the worker that executed it and an auditor can check that it
 * was that stage's worker (src/audit/report/rows/addendum.ts).
 */
import { sign } from 'node:crypto';
import { canonicalBytes } from '../src/domain/canonical.js';
import { readStageAttestation } from '../src/approvals/attestation.js';
import { workerStatement, type WorkerSignature } from '../src/domain/worker.js';
import type { WorkerIdentity } from '../src/config/worker-identity.js';
import type { ServingState } from '../src/targets/target.js';
import type { StageActivities, StageOperation } from './contracts.js';

/**
 * The release digest of the operation's own `admitted` attestation, read only from an envelope
 * signed by a key this worker trusts (the one admission has just accepted); an operator's
 * rollback outside a promotion has none.
 */
function admittedDigest(op: StageOperation, keys: Buffer[]): string | null {
  const proof = op.proof;
  if (!proof || !('attestations' in proof)) return null;
  const promotionId = op.key.split('/')[0];
  for (const envelope of proof.attestations) {
    const read = readStageAttestation(envelope, keys);
    if ('problem' in read) continue;
    const p = read.statement.predicate;
    if (p.stage === op.stage && p.phase === 'admitted' && p.promotionId === promotionId)
      return p.release.digest;
  }
  return null;
}

/** The serving state with the worker's signature over the operation that produced it. */
export function signServingState(
  serving: ServingState,
  op: { stage: string; operation: string; promotionId: string; releaseDigest: string | null },
  worker: WorkerIdentity,
): ServingState {
  const unsigned = {
    identity: worker.identity,
    stage: op.stage,
    keyId: worker.keyId,
    operation: op.operation,
  };
  const statement = workerStatement(unsigned, op, serving as unknown as Record<string, unknown>);
  const signature: WorkerSignature = {
    ...unsigned,
    signature: sign(null, canonicalBytes(statement), worker.key).toString('hex'),
  };
  return { ...serving, worker: signature };
}

export function signStageOperations(
  inner: StageActivities,
  deps: {
    stage: string;
    identity: () => Promise<WorkerIdentity>;
    /** Raw public keys of the orchestration workers whose attestations this stage accepts. */
    keys: () => Promise<Buffer[]>;
  },
): StageActivities {
  // The key is loaded before the target is touched: a worker that cannot sign changes nothing.
  const signed = async (op: StageOperation, work: () => Promise<ServingState>) => {
    const identity = await deps.identity();
    const bound = {
      stage: deps.stage,
      operation: op.key,
      promotionId: op.key.split('/')[0] ?? '',
      releaseDigest: admittedDigest(op, await deps.keys()),
    };
    return signServingState(await work(), bound, identity);
  };
  return {
    ...inner,
    deploy: (req) => signed(req, () => inner.deploy(req)),
    setCanaryWeight: (req) => signed(req, () => inner.setCanaryWeight(req)),
    promoteCanary: (req) => signed(req, () => inner.promoteCanary(req)),
    rollback: (req) => signed(req, () => inner.rollback(req)),
  };
}
