/**
 * The audit report of one promotion, built from its evidence alone: the timeline, who approved
 * what and what they saw, policy results with their controls, canary numbers, rollbacks, and a
 * control-coverage table answering the auditor's questions.
 */
import type { TrustedWorker } from '../../domain/worker.js';
import type { EvidenceRecord } from '../../domain/evidence.js';
import type { ChainVerification } from '../../ledger/verify.js';
import { summarize, type PromotionSummary } from '../list.js';
import { num, objs, startedOf, str, strings, type DrDrill } from './evidence.js';
import { pipelineInForce, type PipelineInForce } from './pipeline.js';
import { isRollbackChain, rollbackCoverage } from './rollback-coverage.js';
import { Comparison, MetricJudgement } from '../../canary/types.js';
import { AI_CONTROL } from './rows/ai.js';
import { promotionRows } from './rows/index.js';
import type { CoverageRow } from './rows/row.js';
import { actorOf, summaryOf } from './summary.js';
import { summaryVerdict, type Verdict } from './verdict.js';

export type { CoverageRow, CoverageStatus } from './rows/row.js';

export interface TimelineRow {
  seq: number;
  time: string;
  stage?: string;
  type: string;
  actor: string;
  channel: string;
  verifiedBy?: string;
  summary: string;
  controls: string[];
}

export interface ApprovalRow {
  seq: number;
  stage?: string;
  time: string;
  approver: string;
  decision: string;
  channel: string;
  groups: string[];
  verifiedBy?: string;
  keyId?: string;
  comment?: string;
  /** What the approver saw, and whether it was what the promotion actually carried. */
  releaseDigest?: string;
  policyResultHash?: string;
  sawPromotedRelease: boolean;
  sawCurrentPolicyResult: boolean;
}

export interface RuleRow {
  pack: string;
  ruleId: string;
  severity: string;
  outcome: string;
  message?: string;
  controls: string[];
  /** Fact paths the rule read (empty in records older than `factsRead`). */
  facts: string[];
}

export interface PolicyRow {
  seq: number;
  stage?: string;
  passed: boolean;
  resultHash: string;
  packs: string[];
  rules: RuleRow[];
  facts: Record<string, unknown>;
}

export interface CanaryRow {
  seq: number;
  stage?: string;
  step: number;
  weight: number;
  verdict: string;
  reason: string;
  metrics: {
    name: string;
    verdict: string;
    canary: number | null;
    baseline?: number | null;
    pValue?: number;
    /** Comparisons with the baseline: what the verdict was decided on. */
    test?: string;
    estimate?: number;
    interval?: { lower: number | null; upper: number | null; confidence: number };
    tolerance?: { ratio?: number; absolute?: number; allowed: number };
    unit?: string;
    samples?: { canary: number; baseline?: number };
    reason: string;
  }[];
}

export interface RollbackRow {
  seq: number;
  stage?: string;
  time: string;
  reason: string;
  restored?: string;
}

export interface PromotionReport {
  /** One answer for the whole report, first thing an auditor reads. */
  verdict: Verdict;
  promotion: PromotionSummary;
  /** The pipeline this promotion went through, as its evidence shows it. */
  pipeline: PipelineInForce;
  releaseDigest?: string;
  integrity?: { ok: boolean; seal: ChainVerification['seal']; problems: string[] };
  timeline: TimelineRow[];
  approvals: ApprovalRow[];
  policies: PolicyRow[];
  waivers: {
    seq: number;
    stage?: string;
    waives: string[];
    justification: string;
    by: string;
    expiresAt: string;
  }[];
  canary: CanaryRow[];
  rollbacks: RollbackRow[];
  refusals: { seq: number; time: string; reason: string; channel: string; actor?: string }[];
  coverage: CoverageRow[];
  controls: string[];
}

type Data = Record<string, unknown>;

export function buildReport(
  records: EvidenceRecord[],
  opts: {
    sealed: boolean;
    refusals?: EvidenceRecord[];
    integrity?: ChainVerification;
    drills?: DrDrill[];
    archived?: string[];
    /** The stage workers the report's config trusts: their signatures show who changed each stage. */
    workers?: readonly TrustedWorker[];
  },
): PromotionReport {
  // Refusals the CLI and chat hook recorded in the `security:` chain, and those the workflow
  // recorded in the chain itself (a forged signal, a refused rollback request).
  const refused = [...(opts.refusals ?? []), ...records.filter((r) => r.type === 'security.refused')];
  const promotion = summarize(records, opts.sealed, refused.length);
  if (!promotion) throw new Error('a report needs at least one evidence record');
  const startedData: Data | undefined = records.find((r) => r.type === 'promotion.started')?.data;
  const releaseDigest = str(startedData?.releaseDigest);
  const latestPolicyHash = new Map<string, string>();
  const approvals: ApprovalRow[] = [];
  const policies: PolicyRow[] = [];
  const canary: CanaryRow[] = [];
  const rollbacks: RollbackRow[] = [];
  const waivers: PromotionReport['waivers'] = [];
  for (const r of records) {
    const d = r.data as Data;
    if (r.type === 'policy.evaluated') {
      latestPolicyHash.set(r.stage ?? '', str(d.resultHash) ?? '');
      policies.push({
        seq: r.seq,
        stage: r.stage,
        passed: d.passed === true,
        resultHash: str(d.resultHash) ?? '',
        packs: objs(d.packs).map((p) => `${str(p.name)}@${str(p.version)}`),
        rules: ((d.rules as Data[] | undefined) ?? []).map((x) => ({
          pack: str(x.pack) ?? '',
          ruleId: str(x.ruleId) ?? '',
          severity: str(x.severity) ?? '',
          outcome: str(x.outcome) ?? '',
          ...(str(x.message) ? { message: str(x.message) } : {}),
          controls: strings(x.controls),
          facts: strings(x.factsRead),
        })),
        facts: (d.facts as Data | undefined) ?? {},
      });
    } else if (r.type === 'approval.vote') {
      approvals.push({
        seq: r.seq,
        stage: r.stage,
        time: r.time,
        approver: str(d.approver) ?? r.actor.id,
        decision: str(d.decision) ?? '?',
        channel: str(d.channel) ?? r.actor.channel,
        groups: strings(d.groups),
        verifiedBy: r.actor.verifiedBy,
        keyId: str(d.keyId),
        comment: str(d.comment),
        releaseDigest: str(d.releaseDigest),
        policyResultHash: str(d.policyResultHash),
        sawPromotedRelease: str(d.releaseDigest) === releaseDigest,
        sawCurrentPolicyResult: str(d.policyResultHash) === latestPolicyHash.get(r.stage ?? ''),
      });
    } else if (r.type === 'waiver.granted') {
      waivers.push({
        seq: r.seq,
        stage: r.stage,
        waives: strings(d.waives),
        justification: str(d.justification) ?? '',
        by: str(d.by) ?? r.actor.id,
        expiresAt: str(d.expiresAt) ?? '',
      });
    } else if (r.type === 'canary.analysis') {
      canary.push({
        seq: r.seq,
        stage: r.stage,
        step: num(d.step) ?? 0,
        weight: num(d.weight) ?? 0,
        verdict: str(d.verdict) ?? '?',
        reason: str(d.reason) ?? '',
        metrics: ((d.metrics as Data[] | undefined) ?? []).map((m) => ({
          name: str(m.name) ?? '',
          verdict: str(m.verdict) ?? '',
          canary: typeof m.canary === 'number' ? m.canary : null,
          ...(m.baseline !== undefined
            ? { baseline: typeof m.baseline === 'number' ? m.baseline : null }
            : {}),
          ...(typeof (m.comparison as Data | undefined)?.pValue === 'number'
            ? { pValue: (m.comparison as Data).pValue as number }
            : {}),
          ...comparisonNumbers(m),
          reason: str(m.reason) ?? '',
        })),
      });
    } else if (r.type === 'rollback.completed') {
      rollbacks.push({
        seq: r.seq,
        stage: r.stage,
        time: r.time,
        reason: str(d.reason) ?? '',
        restored: str(d.restored),
      });
    }
  }
  const waived = new Set(waivers.flatMap((w) => w.waives));
  const started = startedOf(records);
  const pipeline = pipelineInForce(records, started);
  const coverage: CoverageRow[] = isRollbackChain(records)
    ? rollbackCoverage(records)
    : promotionRows(
        {
          records,
          promotion,
          started,
          approvals,
          policies,
          waived,
          refusals: refused,
          drills: opts.drills ?? [],
          integrity: opts.integrity,
          sealed: opts.sealed,
          archived: opts.archived ?? [],
          ...(opts.workers ? { workers: opts.workers } : {}),
        },
        pipeline,
      );
  return {
    verdict: summaryVerdict(coverage, opts.integrity),
    promotion,
    pipeline,
    ...(releaseDigest ? { releaseDigest } : {}),
    ...(opts.integrity
      ? { integrity: { ok: opts.integrity.ok, seal: opts.integrity.seal, problems: opts.integrity.problems } }
      : {}),
    timeline: records.map((r) => ({
      seq: r.seq,
      time: r.time,
      stage: r.stage,
      type: r.type,
      actor: actorOf(r),
      channel: r.actor.channel,
      verifiedBy: r.actor.verifiedBy,
      summary: summaryOf(r),
      controls: r.controls,
    })),
    approvals,
    policies,
    waivers,
    canary,
    rollbacks,
    refusals: refused.map((r) => ({
      seq: r.seq,
      time: r.time,
      reason: str((r.data as Data).reason) ?? '',
      channel: str((r.data as Data).channel) ?? r.actor.channel,
      actor: str((r.data as Data).actor),
    })),
    coverage,
    controls: evidencedControls(records, started?.ai !== undefined),
  };
}

/** The numbers of a decided comparison, when the record carries one (analyses before #26 do not). */
function comparisonNumbers(m: Data): Partial<CanaryRow['metrics'][number]> {
  const samples = MetricJudgement.shape.samples.safeParse(m.samples);
  const c = Comparison.safeParse(m.comparison);
  return {
    ...(samples.success && samples.data ? { samples: samples.data } : {}),
    ...(c.success
      ? {
          test: c.data.test,
          estimate: c.data.estimate,
          tolerance: c.data.tolerance,
          unit: c.data.unit,
          ...(c.data.interval ? { interval: c.data.interval } : {}),
        }
      : {}),
  };
}

/**
 * The controls the records support. A policy record contributes the controls of its rules; AI
 * rules pass vacuously for a release without an AI component and then evidence nothing.
 */
function evidencedControls(records: EvidenceRecord[], hasAi: boolean): string[] {
  const controls = records.flatMap((r) => {
    if (r.type !== 'policy.evaluated') return r.controls;
    const all = [...r.controls, ...objs(r.data.rules).flatMap((x) => strings(x.controls))];
    return hasAi ? all : all.filter((c) => !AI_CONTROL.test(c));
  });
  return [...new Set(controls)].sort();
}
