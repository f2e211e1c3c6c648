/**
 * Signature and provenance: an in-toto statement (e.g. SLSA provenance) in a DSSE envelope,
 * alone, inside a Sigstore bundle or inside PyPI's attestations (pypi-attestations.ts, keyless). A bundle with a certificate is keyless and is verified with
 * Sigstore's trust (sigstore.ts) — never with a configured key, which would skip the log and
 * identity checks; a bundle naming a public key is verified with the configured keys and its log
 * entries with Sigstore's trust (sigstore-keyed.ts); a bare envelope is verified with the
 * configured keys up to the configured threshold. The statement is only read once verified, so nothing
 * unsigned reaches the rules; every refusal names the check that failed.
 */
import type { FactContext } from './context.js';
import { DsseEnvelope, verifyEnvelope } from './dsse.js';
import { asString, isRecord, readEvidenceJson } from './evidence-file.js';
import { isPypiAttestation, pypiAttestationBundles } from './pypi-attestations.js';
import { isKeylessBundle, verifyKeylessBundle, type KeylessResult, type SigstoreCheck } from './sigstore.js';
import { verifyKeyedBundle } from './sigstore-keyed.js';
import { readStatement, type ContainerDependency } from './statement.js';
import { firstIssue } from '../../domain/zod-issue.js';

export type { ContainerDependency } from './statement.js';

const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const FIELD = 'evidence.provenance';

export type ProvenanceCheck = SigstoreCheck | 'payload' | 'subject';

export interface ProvenanceFacts {
  present: boolean;
  /** `pypi-attestation`: a PEP 740 provenance object or attestation, as PyPI's integrity API serves it. */
  format: 'dsse' | 'sigstore-bundle' | 'pypi-attestation' | null;
  /** How the signature was verified: configured keys, or Sigstore keyless (certificate and log). */
  verification: 'key' | 'keyless' | null;
  signatureVerified: boolean;
  /** The trusted key ids that signed (keyed), or the certificate's identity (keyless). */
  signedBy: string | null;
  signers: string[];
  /** Keyless: the OIDC issuer of the signing certificate. */
  signerIssuer: string | null;
  /** The first check that refused the attestation. */
  failedCheck: ProvenanceCheck | null;
  predicateType: string | null;
  predicateTypeAccepted: boolean;
  subjects: { name: string; digest: string }[];
  /** Every release artifact's digest (and name, where the subject gives one) is a subject of the verified statement. */
  artifactsCovered: boolean;
  uncoveredArtifacts: string[];
  builderId: string | null;
  /** Container images the build resolved (SLSA resolvedDependencies / materials): the base images. */
  containerDependencies: ContainerDependency[];
  errors: string[];
}

function empty(present: boolean, errors: string[] = []): ProvenanceFacts {
  return {
    present,
    format: null,
    verification: null,
    signatureVerified: false,
    signedBy: null,
    signers: [],
    signerIssuer: null,
    failedCheck: null,
    predicateType: null,
    predicateTypeAccepted: false,
    subjects: [],
    artifactsCovered: false,
    uncoveredArtifacts: [],
    builderId: null,
    containerDependencies: [],
    errors,
  };
}

export async function provenanceFacts(ctx: FactContext): Promise<ProvenanceFacts> {
  const file = ctx.release.evidence.provenance;
  if (!file) return empty(false, [`${FIELD}: the release attaches no provenance attestation`]);
  const json = await readEvidenceJson(ctx.evidence, FIELD, file);
  if (!json.ok) return empty(true, [json.error]);
  const doc = json.value;
  const isBundle =
    isRecord(doc) && asString(doc.mediaType)?.startsWith('application/vnd.dev.sigstore.bundle');
  const pypi = !isBundle && isPypiAttestation(doc);
  const facts: ProvenanceFacts = {
    ...empty(true),
    format: isBundle ? 'sigstore-bundle' : pypi ? 'pypi-attestation' : 'dsse',
  };
  const refuse = (check: ProvenanceCheck, reason: string): ProvenanceFacts => ({
    ...facts,
    failedCheck: check,
    errors: [`${FIELD}: ${file}: ${check} check failed: ${reason}`],
  });

  if (pypi) {
    const read = pypiAttestationBundles(doc);
    if (!read.ok) return refuse('bundle', read.reason);
    return keyless(
      ctx,
      'PyPI attestations (keyless Sigstore, signed with a Fulcio certificate) need',
      read.bundles,
      facts,
      refuse,
    );
  }
  if (isBundle && isRecord(doc) && isKeylessBundle(doc))
    return keyless(
      ctx,
      'a keyless Sigstore bundle (signed with a Fulcio certificate) needs',
      [{ where: '', bundle: doc }],
      facts,
      refuse,
    );

  if (isBundle && isRecord(doc) && !isRecord(doc.dsseEnvelope))
    return refuse(
      'bundle',
      'the Sigstore bundle holds no dsseEnvelope (message-signature bundles are not provenance)',
    );
  if (isBundle) return keyedBundle(ctx, doc, facts, refuse);
  const envelope = DsseEnvelope.safeParse(isBundle && isRecord(doc) ? doc.dsseEnvelope : doc);
  if (!envelope.success) {
    return refuse('bundle', `not a DSSE envelope (${firstIssue(envelope.error, 'envelope')})`);
  }
  if (ctx.trustedKeys.length === 0)
    return refuse(
      'signature',
      'no trusted keys configured (policy.provenance.trustedKeys), so no signature can be verified',
    );
  const signers = verifyEnvelope(envelope.data, ctx.trustedKeys);
  const threshold = ctx.settings.provenance.threshold;
  if (signers.length < threshold)
    return refuse(
      'signature',
      signers.length === 0
        ? 'no signature verifies with a trusted key (tampered payload or unknown signer)'
        : `${signers.length} of the ${threshold} trusted signatures required (policy.provenance.threshold) verify: ${signers.join(', ')}`,
    );
  return withStatement(
    ctx,
    { ...facts, verification: 'key', signedBy: signers[0] ?? null, signers },
    envelope.data.payloadType,
    Buffer.from(envelope.data.payload, 'base64'),
    refuse,
  );
}

/**
 * Keyless bundles, one or several (a PyPI provenance holds one attestation per kind, e.g. publish
 * and SLSA): every one must verify, and the rules read the first whose predicate type is accepted.
 */
function keyless(
  ctx: FactContext,
  needs: string,
  bundles: { where: string; bundle: unknown }[],
  facts: ProvenanceFacts,
  refuse: (check: ProvenanceCheck, reason: string) => ProvenanceFacts,
): ProvenanceFacts {
  if (!ctx.sigstore)
    return refuse(
      'certificate',
      `${needs} policy.provenance.sigstore (trustedRoot and publishers) to be verified`,
    );
  const verified: Extract<KeylessResult, { ok: true }>[] = [];
  for (const { where, bundle } of bundles) {
    const result = verifyKeylessBundle(bundle, ctx.sigstore);
    if (!result.ok) return refuse(result.check, where ? `${where}: ${result.reason}` : result.reason);
    verified.push(result);
  }
  const accepted = ctx.settings.provenance.predicateTypes;
  const chosen = verified.find((r) => accepted.includes(predicateTypeOf(r.payload) ?? '')) ?? verified[0]!;
  const { subjectAlternativeName: san, issuer } = chosen.identity;
  return withStatement(
    ctx,
    {
      ...facts,
      verification: 'keyless',
      signedBy: san,
      signers: [...new Set(verified.map((r) => r.identity.subjectAlternativeName))],
      signerIssuer: issuer,
    },
    chosen.payloadType,
    chosen.payload,
    refuse,
  );
}

function predicateTypeOf(payload: Buffer): string | undefined {
  try {
    const statement: unknown = JSON.parse(payload.toString('utf8'));
    return isRecord(statement) ? asString(statement.predicateType) : undefined;
  } catch {
    return undefined;
  }
}

function keyedBundle(
  ctx: FactContext,
  doc: unknown,
  facts: ProvenanceFacts,
  refuse: (check: ProvenanceCheck, reason: string) => ProvenanceFacts,
): ProvenanceFacts {
  if (!ctx.sigstore)
    return refuse(
      'tlog',
      'a Sigstore bundle carries transparency-log entries, checked against the logs of policy.provenance.sigstore.trustedRoot: configure it to verify bundles signed with a key',
    );
  const threshold = ctx.settings.provenance.threshold;
  if (threshold > 1)
    return refuse(
      'signature',
      `a Sigstore bundle carries one signature, and policy.provenance.threshold asks for ${threshold}: attach a DSSE envelope signed by ${threshold} trusted keys`,
    );
  const result = verifyKeyedBundle(doc, ctx.sigstore, ctx.trustedKeys);
  if (!result.ok) return refuse(result.check, result.reason);
  return withStatement(
    ctx,
    { ...facts, verification: 'key', signedBy: result.signer, signers: [result.signer] },
    result.payloadType,
    result.payload,
    refuse,
  );
}

function withStatement(
  ctx: FactContext,
  verified: ProvenanceFacts,
  payloadType: string,
  payload: Buffer,
  refuse: (check: ProvenanceCheck, reason: string) => ProvenanceFacts,
): ProvenanceFacts {
  const facts = { ...verified, signatureVerified: true };
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return {
      ...refuse('payload', `payloadType is ${payloadType}, expected ${IN_TOTO_PAYLOAD_TYPE}`),
      ...pick(facts),
    };
  const statement = readStatement(ctx.release, ctx.settings.provenance.predicateTypes, payload);
  if ('error' in statement) return { ...facts, failedCheck: 'payload', errors: [statement.error] };
  return {
    ...facts,
    ...statement,
    failedCheck: statement.artifactsCovered ? null : 'subject',
  };
}

/** What stays true of a refused payload: its signature did verify, and by whom. */
function pick(facts: ProvenanceFacts): Partial<ProvenanceFacts> {
  const { verification, signatureVerified, signedBy, signers, signerIssuer } = facts;
  return { verification, signatureVerified, signedBy, signers, signerIssuer };
}
