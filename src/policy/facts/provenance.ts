/**
 * Signature and provenance: a DSSE envelope (alone or inside a Sigstore bundle signed with a
 * configured key) wrapping an in-toto statement, e.g. SLSA provenance. The statement is only
 * read once a trusted key verified it, so nothing unsigned reaches the rules.
 */
import { z } from 'zod';
import type { FactContext } from './context.js';
import { DsseEnvelope, verifyEnvelope } from './dsse.js';
import { parseImageRef } from './image-ref.js';
import { asArray, asString, isRecord, readEvidenceJson } from './evidence-file.js';

const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const STATEMENT_TYPES = ['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1'];

const Statement = z.object({
  _type: z.string(),
  subject: z
    .array(z.object({ name: z.string(), digest: z.record(z.string(), z.string()) }))
    .min(1, 'the statement names no subject'),
  predicateType: z.string(),
  predicate: z.unknown().optional(),
});

export interface ContainerDependency {
  uri: string;
  /** Repository without tag or digest, e.g. `cgr.dev/chainguard/node`. */
  repository: string;
  digest: string | null;
}

export interface ProvenanceFacts {
  present: boolean;
  format: 'dsse' | 'sigstore-bundle' | null;
  signatureVerified: boolean;
  signedBy: string | null;
  predicateType: string | null;
  predicateTypeAccepted: boolean;
  subjects: { name: string; digest: string }[];
  /** Every release artifact's digest is a subject of the verified statement. */
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
    signatureVerified: false,
    signedBy: null,
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
  if (!file) return empty(false, ['evidence.provenance: the release attaches no provenance attestation']);
  const field = 'evidence.provenance';
  const json = await readEvidenceJson(ctx.evidence, field, file);
  if (!json.ok) return empty(true, [json.error]);

  const isBundle =
    isRecord(json.value) && asString(json.value.mediaType)?.startsWith('application/vnd.dev.sigstore.bundle');
  const facts: ProvenanceFacts = { ...empty(true), format: isBundle ? 'sigstore-bundle' : 'dsse' };
  const rawEnvelope = isBundle && isRecord(json.value) ? json.value.dsseEnvelope : json.value;
  if (isBundle && isRecord(json.value) && !isRecord(json.value.dsseEnvelope)) {
    return {
      ...facts,
      errors: [
        `${field}: ${file}: the Sigstore bundle holds no dsseEnvelope (message-signature bundles are not provenance)`,
      ],
    };
  }
  const envelope = DsseEnvelope.safeParse(rawEnvelope);
  if (!envelope.success) {
    const issue = envelope.error.issues[0];
    return {
      ...facts,
      errors: [
        `${field}: ${file}: not a DSSE envelope (${issue?.path.join('.') || 'envelope'}: ${issue?.message})`,
      ],
    };
  }
  if (ctx.trustedKeys.length === 0) {
    return {
      ...facts,
      errors: [
        `${field}: no trusted keys configured (policy.provenance.trustedKeys), so no signature can be verified`,
      ],
    };
  }
  const signedBy = verifyEnvelope(envelope.data, ctx.trustedKeys);
  if (!signedBy) {
    return {
      ...facts,
      errors: [
        `${field}: ${file}: no signature verifies with a trusted key (tampered payload or unknown signer)`,
      ],
    };
  }
  facts.signatureVerified = true;
  facts.signedBy = signedBy;
  if (envelope.data.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return {
      ...facts,
      errors: [`${field}: payloadType is ${envelope.data.payloadType}, expected ${IN_TOTO_PAYLOAD_TYPE}`],
    };
  }
  return readStatement(ctx, facts, Buffer.from(envelope.data.payload, 'base64').toString('utf8'));
}

function readStatement(ctx: FactContext, facts: ProvenanceFacts, payload: string): ProvenanceFacts {
  const field = 'evidence.provenance';
  let raw: unknown;
  try {
    raw = JSON.parse(payload);
  } catch (err) {
    return { ...facts, errors: [`${field}: the signed payload is not JSON (${(err as Error).message})`] };
  }
  const statement = Statement.safeParse(raw);
  if (!statement.success) {
    const issue = statement.error.issues[0];
    return {
      ...facts,
      errors: [
        `${field}: the signed payload is not an in-toto statement (${issue?.path.join('.')}: ${issue?.message})`,
      ],
    };
  }
  const s = statement.data;
  const errors: string[] = [];
  if (!STATEMENT_TYPES.includes(s._type)) errors.push(`${field}: unknown statement _type ${s._type}`);
  const subjects = s.subject.flatMap((sub) =>
    sub.digest.sha256 ? [{ name: sub.name, digest: `sha256:${sub.digest.sha256}` }] : [],
  );
  const digests = new Set(subjects.map((x) => x.digest));
  const uncovered = ctx.release.artifacts.filter((a) => !digests.has(a.digest)).map((a) => a.name);
  if (uncovered.length)
    errors.push(`${field}: no statement subject has the digest of artifact(s) ${uncovered.join(', ')}`);
  const predicateTypeAccepted = ctx.settings.provenance.predicateTypes.includes(s.predicateType);
  if (!predicateTypeAccepted)
    errors.push(`${field}: predicateType ${s.predicateType} is not an accepted provenance type`);
  return {
    ...facts,
    predicateType: s.predicateType,
    predicateTypeAccepted,
    subjects,
    artifactsCovered: uncovered.length === 0,
    uncoveredArtifacts: uncovered,
    builderId: builderIdOf(s.predicate),
    containerDependencies: containerDependenciesOf(s.predicate),
    errors,
  };
}

function builderIdOf(predicate: unknown): string | null {
  if (!isRecord(predicate)) return null;
  const v1 =
    isRecord(predicate.runDetails) && isRecord(predicate.runDetails.builder)
      ? predicate.runDetails.builder.id
      : undefined;
  const v02 = isRecord(predicate.builder) ? predicate.builder.id : undefined;
  return asString(v1) ?? asString(v02) ?? null;
}

function containerDependenciesOf(predicate: unknown): ContainerDependency[] {
  if (!isRecord(predicate)) return [];
  const v1 = isRecord(predicate.buildDefinition) ? predicate.buildDefinition.resolvedDependencies : undefined;
  return [...asArray(v1), ...asArray(predicate.materials)].flatMap((dep) => {
    if (!isRecord(dep)) return [];
    const uri = asString(dep.uri);
    const repository = uri && containerRepository(uri);
    if (!uri || !repository) return [];
    const sha = isRecord(dep.digest) ? asString(dep.digest.sha256) : undefined;
    return [{ uri, repository, digest: sha ? `sha256:${sha}` : null }];
  });
}

/** `pkg:docker/…`, `docker://…` and `oci://…` URIs name container images; other materials (git, files) do not. */
function containerRepository(uri: string): string | undefined {
  const scheme = /^(docker|oci):\/\/(.+)$/.exec(uri);
  if (scheme?.[2]) return parseImageRef(scheme[2]).repository;
  const purl = /^pkg:(?:docker|oci)\/([^@?]+)(?:@[^?]*)?(?:\?(.*))?$/.exec(uri);
  if (!purl?.[1]) return undefined;
  const registry = new URLSearchParams(purl[2] ?? '').get('repository_url');
  const name = decodeURIComponent(purl[1]);
  return parseImageRef(registry ? `${registry.replace(/\/+$/, '')}/${name}` : name).repository;
}
