import type { Pipeline } from '../src/config/schema.js';
import type { PromotionStatus } from '../src/domain/promotion-status.js';
import type { Release } from '../src/domain/release.js';
import type { Signed, StartAction, TrustSnapshot } from '../src/approvals/actions.js';
import type { PolicyEvaluation } from '../src/policy/types.js';
import type { AnalysisResult } from '../src/canary/types.js';
import type { ServingState } from '../src/targets/target.js';

/** Everything a promotion needs, resolved and validated by the client before it starts. */
export interface PromotionInput {
  promotionId: string;
  release: Release;
  /** sha256 of the release's canonical JSON: approvals bind to it. */
  releaseDigest: string;
  pipeline: Pipeline;
  /** Who may act and with which keys, as config said when the promotion started. */
  trust: TrustSnapshot;
  /** The workflow id (defaults to promotionId); stage locks signal it. */
  workflowId?: string;
  /** Queue of the orchestration activities (policy, evidence, locks). Default `tollgate`. */
  taskQueue?: string;
  /** Stage deploy activities run on `<prefix><stage>`. Default `tollgate-deploy-`. */
  deployQueuePrefix?: string;
}

/**
 * What starts a promotion: the requester's signed start and the release it names by digest.
 * Pipelines, groups and keys come from the orchestration worker's own config; the routing
 * fields only say where activities run, and a stage worker refuses anything without its proof.
 */
export interface PromotionStart {
  request: Signed<StartAction>;
  release: Release;
  /** Must equal the request's promotion id (kept in the input for replay tools). */
  workflowId?: string;
  taskQueue?: string;
  deployQueuePrefix?: string;
}

/** What the orchestration worker's config said about a promotion's start. */
export interface TrustedStart {
  start: Signed<StartAction>;
  configDigest: string;
  /** The signer of the start: the requester recorded everywhere. */
  requester: string;
}

/** A promotion's input once resolved; `trusted` is set for promotions started by a signed request. */
export type RunInput = PromotionInput & { trusted?: TrustedStart };

export type { PromotionStatus } from '../src/domain/promotion-status.js';

/** Why a promotion stops at a stage, and how it ends. */
export interface StageStop {
  status: Exclude<PromotionStatus, 'running' | 'succeeded'>;
  outcome: string;
}

export type Gate =
  'lock' | 'policy' | 'waiver' | 'window' | 'freeze' | 'approval' | 'deploy' | 'canary' | 'rollback';

export interface VoteRecord {
  approver: string;
  decision: 'approve' | 'reject';
  channel: string;
  groups: string[];
  at: string;
  comment?: string;
  keyId: string;
}

export interface StageState {
  name: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'rolled-back' | 'skipped';
  policy?: { passed: boolean; resultHash: string; failedRules: string[]; waived: string[] };
  approval?: {
    quorum: number;
    groups: string[];
    distinctGroups: boolean;
    votes: VoteRecord[];
    deadline: string;
  };
  deploy?: { version: string; serving?: ServingState };
  canary?: {
    step: number;
    steps: number;
    weight: number;
    analyses: AnalysisResult[];
    awaitingDecision: boolean;
    /** When the current step's bake ends (workflow time): what `tollgate watch` counts down. */
    bakeEndsAt?: string;
  };
  rollback?: { reason: string; restored?: string; ok: boolean };
}

export interface TimelineEntry {
  at: string;
  type: string;
  stage?: string;
  summary: string;
}

/** What the `state` query returns: the live view for CLI, chat and the Web UI. */
export interface PromotionState {
  promotionId: string;
  app: string;
  version: string;
  releaseDigest: string;
  pipeline: string;
  requester: string;
  status: PromotionStatus;
  currentStage?: string;
  gate?: Gate;
  paused: boolean;
  frozen?: { reason: string; by: string };
  stages: StageState[];
  timeline: TimelineEntry[];
  /** Outcome detail when the promotion ended: why it failed, who rejected, … */
  outcome?: string;
}

export interface PromotionResult {
  status: Exclude<PromotionStatus, 'running'>;
  outcome: string;
  stages: { name: string; status: StageState['status'] }[];
  evidenceRecords: number;
}

export type { PolicyEvaluation, AnalysisResult, ServingState };
