/**
 * Hand-made evidence chains for the report's rows: one promotion of `billing-api` through dev →
 * prod that answers every auditing guideline, in the record shapes the workflow writes plus the
 * fields the concurrent branches add (a pipeline digest on the start, `dr.drill` records), with
 * stage changes signed by real worker keys (`serving.worker`). Each test edits the chain to make
 * one row fail or not apply.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { signServingState } from '../../activities/worker-signature.js';
import { fingerprint, rawPublicKey } from '../../src/approvals/keys.js';
import type { Actor, EvidenceRecord } from '../../src/domain/evidence.js';
import { workerKeyId, type TrustedWorker } from '../../src/domain/worker.js';
import type { ServingState } from '../../src/targets/target.js';

const SYSTEM: Actor = { id: 'tollgate', channel: 'system' };
export const DIGEST = `sha256:${'ab'.repeat(32)}`;
const ARTIFACT = `sha256:${'12'.repeat(32)}`;
const POLICY_HASH = 'c0ffee'.padEnd(64, '0');

export interface ChainOptions {
  promotionId?: string;
  app?: string;
  version?: string;
  start?: string;
  /** The release declares an AI component. */
  ai?: boolean;
  /** A version already serves every stage (so a rollback has something to restore). */
  previous?: string | null;
  /** Worker identities per stage; `null` leaves `worker` off the stage-changing records. */
  workers?: Record<string, string> | null;
  pipelineDigest?: string | null;
}

type Rule = { pack: string; ruleId: string; outcome: string; controls: string[]; factsRead: string[] };

const rule = (
  pack: string,
  ruleId: string,
  factsRead: string[],
  controls: string[],
  outcome = 'pass',
): Rule => ({
  pack,
  ruleId,
  outcome,
  controls,
  factsRead,
});

export function rulesFor(stage: string): Rule[] {
  return [
    rule('deployment-config', 'run-as-non-root', ['deployment.checks.runAsNonRoot'], ['ISO27001:A.8.9']),
    rule(
      'supply-chain',
      'provenance-covers-artifacts',
      ['provenance.signatureVerified', 'provenance.artifactsCovered'],
      ['ISO27001:A.8.32'],
    ),
    rule('supply-chain', 'sbom-present', ['sbom.parseable', 'sbom.componentCount'], ['ISO27001:A.8.9']),
    rule(
      'supply-chain',
      'no-critical-vulnerabilities',
      ['vulnerabilities.parseable', 'vulnerabilities.counts.critical'],
      ['ISO27001:A.8.8'],
    ),
    rule(
      'ai-release',
      'model-pinned-and-allowed',
      ['ai.present', 'ai.model.pinned'],
      ['ISO42001:B.6.2.5', 'EUAIAct:Art.26'],
    ),
    rule(
      'ai-release',
      'evaluations-meet-thresholds',
      ['ai.present', 'ai.evaluations.passed'],
      ['EUAIAct:Art.9(6)', 'ISO42001:8.2', 'NIST-AI-RMF:MEASURE-2.9'],
    ),
    rule(
      'ai-release',
      'red-team-pass-rate',
      ['ai.present', 'ai.redTeam.meetsThreshold'],
      ['EUAIAct:Art.55', 'NIST-AI-RMF:MEASURE-2.10'],
    ),
    rule('ai-release', 'transparency-notice', ['ai.present'], ['EUAIAct:Art.50']),
    rule('ai-release', 'model-card', ['ai.present'], ['EUAIAct:Art.53', 'EUAIAct:Annex.XI']),
    ...(stage === 'prod' ? [rule('change-management', 'ticket-for-prod', [], ['ISO27001:A.8.32'])] : []),
  ];
}

const workerKeys = new Map<string, KeyObject>();
/** One key per worker identity, the same for every chain of a test run. */
export function workerKey(identity: string): KeyObject {
  let key = workerKeys.get(identity);
  if (!key) workerKeys.set(identity, (key = generateKeyPairSync('ed25519').privateKey));
  return key;
}

/** The `workers:` trust an auditor's config would hold for the chain's workers (identity per stage). */
export function trustFor(workers: Record<string, string> = DEFAULT_WORKERS): TrustedWorker[] {
  const stagesOf = new Map<string, string[]>();
  for (const [stage, identity] of Object.entries(workers))
    stagesOf.set(identity, [...(stagesOf.get(identity) ?? []), stage]);
  return [...stagesOf].map(([identity, stages]) => ({
    identity,
    publicKey: rawPublicKey(workerKey(identity)),
    stages,
  }));
}

const DEFAULT_WORKERS: Record<string, string> = { dev: 'worker-dev@host-a', prod: 'worker-prod@host-b' };

/** Loose records: hand-made chains may hold types this code's enum does not list (dr.drill). */
export type Loose = Omit<EvidenceRecord, 'type'> & { type: string };

export function goodChain(o: ChainOptions = {}): Loose[] {
  const promotionId = o.promotionId ?? 'p-good';
  const app = o.app ?? 'billing-api';
  const version = o.version ?? '1.4.2';
  const previous = o.previous === undefined ? '1.4.1' : o.previous;
  const workers = o.workers === undefined ? DEFAULT_WORKERS : o.workers;
  let clock = Date.parse(o.start ?? '2026-03-02T09:00:00Z');
  const out: Loose[] = [];
  const add = (
    type: string,
    data: Record<string, unknown>,
    extra: { stage?: string; actor?: Actor } = {},
  ) => {
    clock += 60_000;
    out.push({
      chainId: promotionId,
      seq: out.length,
      promotionId,
      ...(extra.stage ? { stage: extra.stage } : {}),
      type,
      actor: extra.actor ?? SYSTEM,
      time: new Date(clock).toISOString(),
      data,
      controls: ['CSA-CCM:AIS-06'],
      prevHash: '',
      hash: '',
    });
  };
  /** The serving state as the stage's worker returns it: signed when the chain has workers. */
  const signed = (stage: string, op: string, serving: ServingState): ServingState => {
    const identity = workers?.[stage];
    if (!identity) return serving;
    const key = workerKey(identity);
    return signServingState(
      serving,
      { stage, operation: `${promotionId}/${stage}/${op}`, promotionId, releaseDigest: DIGEST },
      { identity, key, keyId: workerKeyId(identity, fingerprint(rawPublicKey(key))) },
    );
  };
  const release = {
    app,
    version,
    requester: 'rita',
    commitAuthors: ['dave'],
    artifacts: [{ name: 'api', ref: `registry.example.com/${app}@${ARTIFACT}`, digest: ARTIFACT }],
    evidence: {
      sbom: 'sbom.cdx.json',
      provenance: 'provenance.dsse.json',
      vulnerabilities: [],
      deploymentManifests: ['k8s.yaml'],
    },
    change: { description: 'Faster invoice rendering', ticket: 'CHG-1042' },
    ...(o.ai
      ? { ai: { model: { id: 'summarizer', digest: ARTIFACT }, userFacing: true, riskClass: 'limited' } }
      : {}),
  };
  add('promotion.started', {
    release,
    releaseDigest: DIGEST,
    pipeline: 'default',
    stages: ['dev', 'prod'],
    ...(o.pipelineDigest === null ? {} : { pipelineDigest: o.pipelineDigest ?? `sha256:${'cd'.repeat(32)}` }),
  });
  for (const stage of ['dev', 'prod']) {
    add('stage.entered', {}, { stage });
    add('lock.acquired', { mode: 'queue' }, { stage });
    add(
      'policy.evaluated',
      {
        stage,
        passed: true,
        resultHash: POLICY_HASH,
        packs: [
          { name: 'supply-chain', version: '1' },
          { name: 'deployment-config', version: '1' },
        ],
        rules: rulesFor(stage),
        facts: { provenance: { artifactsCovered: true, subjects: [{ name: 'api', digest: ARTIFACT }] } },
      },
      { stage },
    );
    if (stage === 'prod') {
      add(
        'approval.requested',
        {
          quorum: 1,
          groups: ['release-managers'],
          distinctGroups: false,
          deadline: '2026-03-03T09:00:00Z',
          releaseDigest: DIGEST,
          policyResultHash: POLICY_HASH,
        },
        { stage },
      );
      add(
        'approval.vote',
        {
          approver: 'bob',
          decision: 'approve',
          channel: 'cli',
          groups: ['release-managers'],
          releaseDigest: DIGEST,
          policyResultHash: POLICY_HASH,
        },
        { stage, actor: { id: 'bob', channel: 'cli', verifiedBy: 'ed25519:bob-1' } },
      );
      add('approval.granted', { votes: [{ approver: 'bob' }] }, { stage });
    }
    const serving =
      stage === 'prod'
        ? {
            app,
            canary: { version, weight: 0, healthy: true },
            ...(previous ? { stable: { version: previous, healthy: true } } : {}),
          }
        : { app, stable: { version, healthy: true }, ...(previous ? { previousStable: previous } : {}) };
    add('deploy.completed', { version, serving: signed(stage, 'deploy', serving) }, { stage });
    if (stage === 'prod') {
      const shifted = { ...serving, canary: { version, weight: 50, healthy: true } };
      add('canary.step', { step: 1, weight: 50, serving: signed(stage, 'weight/0', shifted) }, { stage });
      add(
        'canary.analysis',
        {
          verdict: 'pass',
          step: 1,
          weight: 50,
          metrics: [
            { name: 'error-rate', verdict: 'pass', canary: 0.001, threshold: { max: 0.05 }, reason: 'ok' },
          ],
          reason: 'ok',
        },
        { stage },
      );
      const promoted = {
        app,
        stable: { version, healthy: true },
        ...(previous ? { previousStable: previous } : {}),
      };
      add('canary.promoted', { version, serving: signed(stage, 'promote', promoted) }, { stage });
    }
  }
  add('promotion.completed', { status: 'succeeded', outcome: `${app} ${version} promoted` });
  return out;
}

/** A restore drill of the ledger, as the service's drill command records it. */
export function drill(time: string, result: 'passed' | 'failed' = 'passed', seq = 0): Loose {
  return {
    chainId: 'dr:ledger',
    seq,
    promotionId: 'dr',
    type: 'dr.drill',
    actor: { id: 'erin', channel: 'cli', verifiedBy: 'ed25519:erin-1' },
    time,
    data: {
      result,
      backupAt: time,
      restoredInto: '/var/tmp/restore-1',
      verify: {
        ok: result === 'passed',
        chains: 42,
        problems: result === 'passed' ? [] : ['chain p-1: hash mismatch at #3'],
      },
    },
    controls: [],
    prevHash: '',
    hash: '',
  };
}
