/**
 * The activities a promotion calls, by task queue. Implementations are built by factories that
 * receive their dependencies (ledger, target, analyzer, policy engine, clock, logger).
 */
import type { EvidenceInput, EvidenceRecord } from '../src/domain/evidence.js';
import type { Release } from '../src/domain/release.js';
import type { PolicyEvaluation } from '../src/policy/types.js';
import type { AnalysisResult } from '../src/canary/types.js';
import type { CanaryConfig } from '../src/canary/config.js';
import type { ServingState } from '../src/targets/target.js';
import type { ChainSeal } from '../src/ledger/ledger.js';
import type {
  FreezeAction,
  RollbackAction,
  Signed,
  StartAction,
  TrustSnapshot,
  VoteAction,
  WaiverAction,
} from '../src/approvals/actions.js';
import type { Pipeline } from '../src/config/schema.js';
import type { AttestationPhase, DsseEnvelope } from '../src/domain/attestation.js';

export interface PolicyRequest {
  promotionId: string;
  stage: string;
  release: Release;
  releaseDigest: string;
  packs: string[];
  /** Workflow time (ISO) when the gate was reached: rules about time read this, never the clock. */
  time: string;
}

export interface NotifyRequest {
  promotionId: string;
  event:
    | 'approval-requested'
    | 'approved'
    | 'rejected'
    | 'expired'
    | 'rolled-back'
    | 'completed'
    | 'failed'
    | 'canary-inconclusive';
  app: string;
  version: string;
  stage?: string;
  releaseDigest: string;
  requester: string;
  policyResultHash?: string;
  summary: string;
  policy?: { passed: boolean; failedRules: string[] };
  /** `step`: the canary step the analyses reached (what a canary decision in chat binds to). */
  canary?: { verdicts: string[]; step?: number };
}

/**
 * A policy result signed by the orchestration worker's key: the issuer of a stage attestation
 * takes the result from here, never from what a workflow says it was.
 */
export interface PolicySeal {
  payload: {
    kind: 'policy-result';
    promotionId: string;
    stage: string;
    /** Computed by the policy activity from the release it evaluated. */
    releaseDigest: string;
    resultHash: string;
    passed: boolean;
    failedRules: string[];
    packs: string[];
  };
  /** Ed25519 (hex) over the RFC 8785 canonical JSON of `payload`. */
  signature: string;
}

/** What the orchestration worker's own config says about a signed start. */
export type ResolvedStart =
  { refused: string } | { pipeline: Pipeline; trust: TrustSnapshot; configDigest: string; requester: string };

export interface AttestationRequest {
  promotionId: string;
  stage: string;
  phase: AttestationPhase;
  start: Signed<StartAction>;
  release: Release;
  policy: PolicySeal;
  votes: Signed<VoteAction>[];
  waivers: Signed<WaiverAction>[];
  window: 'none' | 'open' | 'waived';
  canary: { verdict: 'pass' | 'promoted-now'; analyses: number } | null;
}

/** On the orchestration queue (`tollgate`): no target credentials. */
export interface OrchestrationActivities {
  evaluatePolicy(req: PolicyRequest): Promise<PolicyEvaluation & { seal?: PolicySeal }>;
  /**
   * Checks a signed start with this worker's own config and returns the pipeline and trust the
   * promotion runs under (or why it must not run). `releaseDigest` is the workflow's own digest.
   */
  resolvePromotion(req: {
    promotionId: string;
    request: Signed<StartAction>;
    releaseDigest: string;
  }): Promise<ResolvedStart>;
  /** Who may freeze the line: every pipeline's operator groups, with the keys, from this worker's config. */
  lineTrust(): Promise<{ operatorGroups: string[]; trust: TrustSnapshot }>;
  /** The operator groups and trust of a pipeline, from this worker's own config (operator rollbacks). */
  resolveRollback(req: {
    pipeline: string;
  }): Promise<{ refused: string } | { operatorGroups: string[]; trust: TrustSnapshot }>;
  /**
   * Re-checks a stage's gates from its own config and keys (signed start, sealed policy result,
   * signed votes and waivers, change window, line freeze) and signs a stage attestation.
   */
  issueStageAttestation(req: AttestationRequest): Promise<{ envelope: DsseEnvelope } | { refused: string }>;
  /** Idempotent by (chainId, seq); run as a local activity right after the step it records. */
  recordEvidence(input: EvidenceInput): Promise<EvidenceRecord>;
  /** Signs the chain head when a promotion ends. */
  sealPromotion(req: { promotionId: string }): Promise<ChainSeal | undefined>;
  /** Waits until the promotion's run is closed, then stores its history JSON beside its evidence. */
  archiveHistory(req: {
    promotionId: string;
    workflowId: string;
    runId: string;
  }): Promise<{ sha256: string; events: number }>;
  /** Best effort: delivery failures are retried by the activity itself and never fail the promotion. */
  notify(req: NotifyRequest): Promise<void>;
  /**
   * Asks the app×stage lock for this promotion. With `grantOnStart`, a stage whose lock is not
   * running is granted at once, by starting the lock with this promotion as its holder, and the
   * reply says so (`{ granted: true }`). Otherwise the running lock answers with a `lockAnswer`
   * signal, and the reply is empty.
   */
  requestStageLock(req: {
    app: string;
    stage: string;
    promotionId: string;
    workflowId: string;
    mode: 'queue' | 'reject' | 'supersede';
    /** The requester's signed start, which the lock forwards to a holder this request supersedes. */
    start?: Signed<StartAction>;
    grantOnStart?: boolean;
    /**
     * Also acquire the stage in its ledger lock chain when the request's reply grants it
     * (workflows that confirm grants with the ledger; earlier ones replay without it).
     */
    acquire?: boolean;
  }): Promise<{ granted: true } | undefined>;
  /**
   * Acquires the stage in its ledger lock chain for the calling workflow execution (taken from
   * the activity context), or says who holds it: the check behind every lock answer.
   */
  confirmStageLock(req: {
    app: string;
    stage: string;
    promotionId: string;
  }): Promise<{ granted: true } | { granted: false; heldBy: string }>;
  releaseStageLock(req: {
    app: string;
    stage: string;
    promotionId: string;
    workflowId: string;
  }): Promise<void>;
  /** Current stop-the-line state: the signed freeze action in force, if any (the line workflow's query). */
  lineStatus(): Promise<{ freeze?: Signed<FreezeAction> }>;
  /** Forwards a signed freeze/unfreeze to every running promotion. */
  broadcastFreeze(signed: Signed<FreezeAction>): Promise<{ notified: number }>;
}

/**
 * What a stage worker checks before it changes its target: the stage attestations of a
 * promotion (its own stage's and every earlier stage's), or an operator's signed rollback.
 */
export type StageProof =
  { attestations: DsseEnvelope[] } | { rollback: Signed<RollbackAction>; pipeline: string };

export interface StageOperation {
  /** Idempotency key: `<promotionId>/<stage>/<op>[/<step>]`. */
  key: string;
  app: string;
  stage: string;
  proof?: StageProof;
}

/** On `tollgate-deploy-<stage>`, served by a worker holding that stage's credentials only. */
export interface StageActivities {
  deploy(
    req: StageOperation & { version: string; artifacts: Release['artifacts']; mode: 'canary' | 'replace' },
  ): Promise<ServingState>;
  setCanaryWeight(req: StageOperation & { version: string; weight: number }): Promise<ServingState>;
  promoteCanary(req: StageOperation & { version: string }): Promise<ServingState>;
  rollback(req: StageOperation & { toVersion?: string }): Promise<ServingState>;
  analyzeCanary(
    req: StageOperation & {
      canaryVersion: string;
      baselineVersion?: string;
      step: number;
      weight: number;
      config: CanaryConfig;
      window: { start: string; end: string };
    },
  ): Promise<AnalysisResult>;
  servingState(req: { app: string; stage: string }): Promise<ServingState>;
}

/** Queue names live in src/domain/task-queues.ts; these names stay for existing importers. */
export { ORCHESTRATION_TASK_QUEUE, deployTaskQueue as stageTaskQueue } from '../src/domain/task-queues.js';
