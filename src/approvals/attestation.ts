/**
 * Issuing and checking stage attestations (in-toto Statement v1 in a DSSE envelope). The
 * orchestration worker issues them; a stage worker admits a deploy, traffic shift or rollback
 * only with an attestation for its own stage and the `passed` attestations of every stage
 * before it, each checked with the trust in its own config.
 */
import type { KeyObject } from 'node:crypto';
import {
  DSSE_PAYLOAD_TYPE,
  STAGE_PREDICATE_TYPE,
  STATEMENT_TYPE,
  StageStatement,
  type DsseEnvelope,
  type StagePredicate,
} from '../domain/attestation.js';
import type { Release } from '../domain/release.js';
import { openEnvelope, signEnvelope } from './dsse.js';
import { findStage, predicateProblem, type GateTrust } from './stage-gates.js';

export function signStageAttestation(
  predicate: StagePredicate,
  artifacts: Release['artifacts'],
  key: KeyObject,
): DsseEnvelope {
  const statement: StageStatement = {
    _type: STATEMENT_TYPE,
    subject: artifacts.map((a) => ({ name: a.name, digest: { sha256: a.digest.replace(/^sha256:/, '') } })),
    predicateType: STAGE_PREDICATE_TYPE,
    predicate,
  };
  return signEnvelope(DSSE_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), 'utf8'), key);
}

/** The statement of an envelope signed by one of `keys`, or why it cannot be believed. */
export function readStageAttestation(
  envelope: unknown,
  keys: Buffer[],
): { statement: StageStatement } | { problem: string } {
  const opened = openEnvelope(envelope, keys, DSSE_PAYLOAD_TYPE);
  if ('problem' in opened) return opened;
  let json: unknown;
  try {
    json = JSON.parse(opened.body.toString('utf8'));
  } catch {
    return { problem: 'the attestation payload is not JSON' };
  }
  const parsed = StageStatement.safeParse(json);
  if (!parsed.success)
    return {
      problem: `not a Tollgate stage statement: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
    };
  return { statement: parsed.data };
}

export interface AdmissionRequest {
  stage: string;
  promotionId: string;
  /** The version the operation deploys or shifts traffic to (a rollback names none). */
  version?: string;
  /** For a deploy: the digests it would deploy, which must be exactly the attested subjects. */
  artifactDigests?: string[];
}

/**
 * Why a stage worker must refuse an operation of a promotion, or undefined to admit it. Every
 * envelope must verify; the stage's own `admitted` attestation and the `passed` attestations of
 * the stages before it (pipeline order, from this worker's config) must be there and hold.
 */
export function admissionProblem(
  envelopes: unknown[],
  req: AdmissionRequest,
  gate: GateTrust & { keys: Buffer[] },
): string | undefined {
  const statements: StageStatement[] = [];
  for (const [i, envelope] of envelopes.entries()) {
    const read = readStageAttestation(envelope, gate.keys);
    if ('problem' in read) return `attestation ${i + 1}: ${read.problem}`;
    statements.push(read.statement);
  }
  const own = statements.find(
    (s) =>
      s.predicate.stage === req.stage &&
      s.predicate.phase === 'admitted' &&
      s.predicate.promotionId === req.promotionId,
  );
  if (!own)
    return `no stage attestation admits promotion ${req.promotionId} to ${req.stage} (attestations for: ${statements.map((s) => `${s.predicate.promotionId}/${s.predicate.stage}/${s.predicate.phase}`).join(', ') || 'none'})`;
  const p = own.predicate;
  if (req.version !== undefined && p.release.version !== req.version)
    return `the attestation admits ${p.release.app} ${p.release.version}, not version ${req.version}`;
  if (req.artifactDigests) {
    const attested = own.subject.map((s) => `sha256:${s.digest.sha256}`).sort();
    const asked = [...req.artifactDigests].sort();
    if (attested.join(',') !== asked.join(','))
      return `the deploy's artifacts (${asked.join(', ')}) are not the attested subjects (${attested.join(', ')})`;
  }
  const problem = predicateProblem(p, gate);
  if (problem) return `${req.stage}: ${problem}`;

  const found = findStage(gate.config, p.pipeline, p.stage);
  if ('problem' in found) return found.problem;
  for (const earlier of found.pipeline.stages.slice(0, found.pipeline.stages.indexOf(found.stage))) {
    const passed = statements.find(
      (s) =>
        s.predicate.stage === earlier.name &&
        s.predicate.phase === 'passed' &&
        s.predicate.promotionId === req.promotionId &&
        s.predicate.release.digest === p.release.digest &&
        s.predicate.pipeline === p.pipeline,
    );
    if (!passed)
      return `stage ${earlier.name} comes before ${req.stage} in pipeline ${p.pipeline}, and no attestation shows it passed for this release`;
    const earlierProblem = predicateProblem(passed.predicate, gate);
    if (earlierProblem) return `${earlier.name}: ${earlierProblem}`;
  }
  return undefined;
}
