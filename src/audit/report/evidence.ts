/**
 * The one place reports read evidence payloads. Records are read defensively: a chain written by
 * older code lacks fields newer code records (a pipeline digest, a worker identity), and a ledger
 * may hold record types this code does not know yet (`dr.drill`). Every accessor returns
 * `undefined` or an empty list for what is absent, never throws, so a report over mixed
 * generations of records still renders and says "no evidence" where the evidence is missing.
 */
import type { EvidenceRecord } from '../../domain/evidence.js';
import { WorkerSignature } from '../../domain/worker.js';

export type Data = Record<string, unknown>;

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
export const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
export const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
export const obj = (v: unknown): Data | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Data) : undefined;
export const objs = (v: unknown): Data[] =>
  Array.isArray(v) ? v.map(obj).filter((x): x is Data => x !== undefined) : [];

/** A record whose `type` may be one this code's EvidenceType does not list yet. */
export type AnyRecord = Omit<EvidenceRecord, 'type'> & { type: string };

/** `chain#seq`: how a report cites a record of another chain. */
export const citation = (r: Pick<EvidenceRecord, 'chainId' | 'seq'>): string => `${r.chainId}#${r.seq}`;

export interface ReleaseArtifact {
  name: string;
  ref?: string;
  digest?: string;
  type?: string;
}

export interface StartedPromotion {
  seq: number;
  time: string;
  app?: string;
  version?: string;
  requester?: string;
  commitAuthors: string[];
  artifacts: ReleaseArtifact[];
  attached: { sbom?: string; provenance?: string; vulnerabilities: string[]; deploymentManifests: string[] };
  /** The release's AI section, when it declares an AI component. */
  ai?: Data;
  ticket?: string;
  releaseDigest?: string;
  pipeline?: string;
  stages: string[];
  /** Digest of the pipeline definition (or the whole config) in force, once the start records it. */
  pipelineDigest?: string;
  /** Who signed the start, once starts are signed. */
  signedBy?: string;
}

export function startedOf(records: readonly AnyRecord[]): StartedPromotion | undefined {
  const r = records.find((x) => x.type === 'promotion.started');
  if (!r) return undefined;
  const d = r.data;
  const release = obj(d.release) ?? {};
  const evidence = obj(release.evidence) ?? {};
  const pipeline = obj(d.pipeline);
  return {
    seq: r.seq,
    time: r.time,
    app: str(release.app),
    version: str(release.version),
    requester: str(release.requester),
    commitAuthors: strings(release.commitAuthors),
    artifacts: objs(release.artifacts).map((a) => ({
      name: str(a.name) ?? '?',
      ref: str(a.ref),
      digest: str(a.digest),
      type: str(a.type),
    })),
    attached: {
      sbom: str(evidence.sbom),
      provenance: str(evidence.provenance),
      vulnerabilities: strings(evidence.vulnerabilities),
      deploymentManifests: strings(evidence.deploymentManifests),
    },
    ai: obj(release.ai),
    ticket: str(obj(release.change)?.ticket),
    releaseDigest: str(d.releaseDigest),
    pipeline: str(d.pipeline) ?? str(pipeline?.name),
    stages: strings(d.stages),
    pipelineDigest:
      str(d.pipelineDigest) ?? str(d.configDigest) ?? str(pipeline?.digest) ?? str(obj(d.config)?.digest),
    signedBy: r.actor.verifiedBy ? r.actor.id : undefined,
  };
}

/** The worker that ran a deploy, traffic or rollback activity, as stage workers record it. */
export interface WorkerIdentity {
  identity: string;
  stage?: string;
}

/** A stage worker's signature travels in the serving state it returned (`data.serving.worker`). */
const workerField = (r: AnyRecord): Data | undefined => obj(obj(r.data.serving)?.worker);

export function workerOf(r: AnyRecord): WorkerIdentity | undefined {
  const w = workerField(r);
  const identity = str(w?.identity);
  return identity ? { identity, ...(str(w?.stage) ? { stage: str(w?.stage) } : {}) } : undefined;
}

/** The worker's signature on a record and the serving state it signed, when both are well-formed. */
export function signedWorkerOf(r: AnyRecord): { signature: WorkerSignature; serving: Data } | undefined {
  const parsed = WorkerSignature.safeParse(workerField(r));
  const serving = obj(r.data.serving);
  return parsed.success && serving ? { signature: parsed.data, serving } : undefined;
}

export interface DeployEvidence {
  seq: number;
  time: string;
  stage?: string;
  version?: string;
  actor: string;
  channel: string;
  worker?: WorkerIdentity;
  /** The version serving before this deploy, i.e. what a rollback can restore. */
  previous?: string;
}

export function deploysOf(records: readonly AnyRecord[]): DeployEvidence[] {
  return records
    .filter((r) => r.type === 'deploy.completed')
    .map((r) => {
      const serving = obj(r.data.serving);
      // A canary deploy leaves the old version as `stable`; a direct deploy records `previousStable`.
      const previous = obj(serving?.canary)
        ? str(obj(serving?.stable)?.version)
        : str(serving?.previousStable);
      return {
        seq: r.seq,
        time: r.time,
        stage: r.stage,
        version: str(r.data.version),
        actor: r.actor.id,
        channel: r.actor.channel,
        worker: workerOf(r),
        ...(previous ? { previous } : {}),
      };
    });
}

/** Records that change what a stage serves: each must name the worker that did it. */
export const TARGET_CHANGES = new Set([
  'deploy.completed',
  'canary.step',
  'canary.promoted',
  'rollback.completed',
  'rollback.failed',
]);

/** One backup-and-restore drill of the ledger (`tollgate … drill`), wherever it is recorded. */
export interface DrDrill {
  citation: string;
  time: string;
  actor: string;
  result?: string;
  passed: boolean;
  backupAt?: string;
  restoredInto?: string;
  /** The verification of the restored copy: ok, and what it said. */
  verified: boolean;
  verifyDetail: string;
}

const PASSED = /^(pass|passed|ok|success|succeeded|met)$/i;

export function drDrillOf(r: AnyRecord): DrDrill | undefined {
  if (r.type !== 'dr.drill') return undefined;
  const d = r.data;
  const verify = d.verify;
  const verifyObj = obj(verify);
  const verified =
    verify === true ||
    (typeof verify === 'string' && PASSED.test(verify)) ||
    verifyObj?.ok === true ||
    (typeof verifyObj?.result === 'string' && PASSED.test(verifyObj.result));
  const chains = num(verifyObj?.chains);
  const problems = strings(verifyObj?.problems);
  const result = str(d.result);
  return {
    citation: citation(r),
    time: r.time,
    actor: r.actor.id,
    result,
    passed: Boolean(result && PASSED.test(result)),
    backupAt: str(d.backupAt),
    restoredInto: str(d.restoredInto),
    verified,
    verifyDetail:
      verify === undefined
        ? 'no verification recorded'
        : `${verified ? 'verified' : 'verification FAILED'}${chains !== undefined ? ` (${chains} chains)` : ''}${problems.length ? `: ${problems.join('; ')}` : ''}`,
  };
}

export interface PolicyPackRef {
  name: string;
  version?: string;
  /** Content hash of the pack as loaded, once evaluations record it. */
  hash?: string;
}

export function packsOf(r: AnyRecord): PolicyPackRef[] {
  return objs(r.data.packs).map((p) => {
    const version = str(p.version);
    return {
      name: str(p.name) ?? '?',
      version,
      // The loader versions a pack by the sha256 of its file: that version is its content hash.
      hash: str(p.hash) ?? str(p.digest) ?? (version?.startsWith('sha256:') ? version : undefined),
    };
  });
}

const short = (hash: string) => (hash.length > 19 ? `${hash.slice(0, 19)}…` : hash);
export const packLabel = (p: PolicyPackRef): string =>
  p.hash && p.hash === p.version
    ? `${p.name}@${short(p.hash)}`
    : `${p.name}${p.version ? `@${p.version}` : ''}${p.hash ? ` (${short(p.hash)})` : ''}`;

/** Human actions that reached Tollgate through one of its APIs (CLI, chat hook, webhook). */
export const isHumanChannel = (channel: string): boolean => channel !== 'system';
