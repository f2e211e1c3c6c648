/**
 * One row of the control coverage table: an auditing guideline of the control Tollgate
 * implements (CSA AICM "Secure Application Deployment", CCM AIS-06), answered from evidence.
 * Every row can be met, not met or not applicable, and says why in `detail`.
 */
import type { TrustedWorker } from '../../../domain/worker.js';
import type { EvidenceRecord } from '../../../domain/evidence.js';
import type { ChainVerification } from '../../../ledger/verify.js';
import type { PromotionSummary } from '../../list.js';
import type { DrDrill, StartedPromotion } from '../evidence.js';

export type CoverageStatus = 'met' | 'partial' | 'not met' | 'not applicable';

export interface CoverageRow {
  /** Stable key, e.g. `ag-4-third-party`: what tests, OSCAL findings and diffs refer to. */
  id: string;
  /** Where the question comes from: `Auditing guideline 4`, `Addendum`, `EU AI Act`, … */
  source: string;
  question: string;
  status: CoverageStatus;
  detail: string;
  /** Sequence numbers of the records of this chain that answer the question. */
  evidence: number[];
  /** Records of other chains (`chain#seq`): refusals, restore drills, earlier promotions. */
  related?: string[];
}

export interface RuleView {
  pack: string;
  ruleId: string;
  outcome: string;
  message?: string;
  controls: string[];
  /** Fact paths the rule read, e.g. `sbom.parseable`. */
  facts: string[];
}

export interface PolicyView {
  seq: number;
  stage?: string;
  passed: boolean;
  packs: string[];
  rules: RuleView[];
  /** The facts the evaluation computed (what an approver saw). */
  facts: Record<string, unknown>;
}

export interface VoteView {
  seq: number;
  stage?: string;
  approver: string;
  decision: string;
  groups: string[];
  sawPromotedRelease: boolean;
  sawCurrentPolicyResult: boolean;
}

/** Everything a row may look at, gathered once per report. */
export interface RowContext {
  records: EvidenceRecord[];
  promotion: PromotionSummary;
  started?: StartedPromotion;
  approvals: VoteView[];
  policies: PolicyView[];
  /** Rule ids waived by a recorded waiver. */
  waived: Set<string>;
  /** Refused requests, from this chain and the promotion's `security:` chain. */
  refusals: EvidenceRecord[];
  /** Backup-and-restore drills of the ledger, oldest first. */
  drills: DrDrill[];
  integrity?: ChainVerification;
  sealed: boolean;
  /** Names of the archived artifacts (exported histories) of this promotion. */
  archived: string[];
  /** Stage workers the report's config trusts, per stage (`workers:`); undefined: none configured. */
  workers?: readonly TrustedWorker[];
}

export const seqsOf = (records: readonly { seq: number }[]): number[] =>
  [...new Set(records.map((r) => r.seq))].sort((a, b) => a - b);

/** Stages that received a deploy. */
export function deployedStages(ctx: RowContext): string[] {
  return [
    ...new Set(ctx.records.filter((r) => r.type === 'deploy.completed' && r.stage).map((r) => r.stage!)),
  ];
}

export const isFailing = (outcome: string): boolean => outcome === 'fail' || outcome === 'error';

/** A rule is about X when it read X's facts (or, for records older than `factsRead`, its id says so). */
export function rulesAbout(
  ctx: RowContext,
  factPrefixes: string[],
  idPattern: RegExp,
): (RuleView & { seq: number; stage?: string })[] {
  return ctx.policies.flatMap((p) =>
    p.rules
      .filter((r) =>
        r.facts.length > 0
          ? r.facts.some((f) => factPrefixes.some((prefix) => f.startsWith(prefix)))
          : idPattern.test(r.ruleId),
      )
      .map((r) => ({ ...r, seq: p.seq, stage: p.stage })),
  );
}

export const list = (items: readonly string[], none = 'none'): string =>
  items.length ? [...new Set(items)].join(', ') : none;
