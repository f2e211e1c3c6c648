/**
 * The in-toto statement inside a verified envelope: its subjects must name every release
 * artifact — by sha256 or sha512, and by name where the subject gives one — and its predicate
 * tells the builder and the base images it resolved.
 */
import { z } from 'zod';
import type { Artifact, Release } from '../../domain/release.js';
import { parseImageRef } from './image-ref.js';
import { asArray, asString, isRecord } from './evidence-file.js';
import { firstIssue } from '../../domain/zod-issue.js';

const STATEMENT_TYPES = ['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1'];
const FIELD = 'evidence.provenance';

const Statement = z.object({
  _type: z.string(),
  subject: z
    .array(z.object({ name: z.string().default(''), digest: z.record(z.string(), z.string()) }))
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

export interface StatementFacts {
  predicateType: string;
  predicateTypeAccepted: boolean;
  /** Each subject with its strongest digest this reader compares (`sha256:` or `sha512:`). */
  subjects: { name: string; digest: string }[];
  artifactsCovered: boolean;
  uncoveredArtifacts: string[];
  builderId: string | null;
  containerDependencies: ContainerDependency[];
  errors: string[];
}

export function readStatement(
  release: Release,
  acceptedPredicateTypes: string[],
  payload: Buffer,
): StatementFacts | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { error: `${FIELD}: the signed payload is not JSON (${(err as Error).message})` };
  }
  const statement = Statement.safeParse(raw);
  if (!statement.success) {
    return {
      error: `${FIELD}: the signed payload is not an in-toto statement (${firstIssue(statement.error, 'statement')})`,
    };
  }
  const s = statement.data;
  const errors: string[] = [];
  if (!STATEMENT_TYPES.includes(s._type)) errors.push(`${FIELD}: unknown statement _type ${s._type}`);
  const uncovered: string[] = [];
  for (const artifact of release.artifacts) {
    const byDigest = s.subject.filter((sub) => digestMatches(sub.digest, artifact));
    if (byDigest.length === 0) {
      uncovered.push(artifact.name);
      errors.push(`${FIELD}: subject: no statement subject has the digest of artifact ${artifact.name}`);
    } else if (!byDigest.some((sub) => nameMatches(sub.name, artifact))) {
      uncovered.push(artifact.name);
      errors.push(
        `${FIELD}: subject: the subject with the digest of artifact ${artifact.name} is named ${byDigest.map((x) => x.name).join(', ')}, not ${artifact.ref}`,
      );
    }
  }
  const predicateTypeAccepted = acceptedPredicateTypes.includes(s.predicateType);
  if (!predicateTypeAccepted)
    errors.push(`${FIELD}: predicateType ${s.predicateType} is not an accepted provenance type`);
  return {
    predicateType: s.predicateType,
    predicateTypeAccepted,
    subjects: s.subject.flatMap((sub) => {
      const alg = ['sha512', 'sha256'].find((a) => sub.digest[a]);
      return alg ? [{ name: sub.name, digest: `${alg}:${sub.digest[alg]}` }] : [];
    }),
    artifactsCovered: uncovered.length === 0,
    uncoveredArtifacts: uncovered,
    builderId: builderIdOf(s.predicate),
    containerDependencies: containerDependenciesOf(s.predicate),
    errors,
  };
}

/** A subject covers an artifact when a digest algorithm both name agrees (sha256 or sha512). */
function digestMatches(digest: Record<string, string>, artifact: Artifact): boolean {
  const known: Record<string, string | undefined> = {
    sha256: artifact.digest.slice('sha256:'.length),
    sha512: artifact.sha512?.slice('sha512:'.length),
  };
  return Object.entries(known).some(([alg, hex]) => hex !== undefined && digest[alg]?.toLowerCase() === hex);
}

/**
 * Subject names are compared where the subject gives one: the artifact's reference as written,
 * without its digest, or its repository (SLSA names images by repository, npm packages by purl).
 */
function nameMatches(name: string, artifact: Artifact): boolean {
  if (!name || name === '_') return true;
  const withoutDigest = artifact.ref.replace(/@sha(?:256|512):[0-9a-f]+$/, '');
  const candidates = [artifact.ref, withoutDigest, artifact.name];
  if (artifact.type === 'container-image') candidates.push(parseImageRef(artifact.ref).repository);
  return candidates.includes(name);
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
