/**
 * The audit report of one promotion, built from its evidence alone: the timeline, who approved
 * what and what they saw, policy results with their controls, canary numbers, rollbacks, and a
 * control-coverage table answering the auditor's questions.
 */
import type { EvidenceRecord } from '../../domain/evidence.js';
import type { ChainVerification } from '../../ledger/verify.js';
import { summarize, type PromotionSummary } from '../list.js';
import { isRollbackChain, rollbackCoverage } from './rollback-coverage.js';
import { Comparison, MetricJudgement } from '../../canary/types.js';

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
}

export interface PolicyRow {
  seq: number;
  stage?: string;
  passed: boolean;
  resultHash: string;
  packs: string[];
  rules: RuleRow[];
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

export type CoverageStatus = 'met' | 'partial' | 'not met' | 'not applicable';

export interface CoverageRow {
  question: string;
  status: CoverageStatus;
  detail: string;
  /** Sequence numbers of the records that answer the question. */
  evidence: number[];
}

export interface PromotionReport {
  promotion: PromotionSummary;
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
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

const SUPPLY_CHAIN = /sbom|vuln|provenance|signature|signed|dependenc|licen[cs]e|third|component|cve/i;

function summaryOf(r: EvidenceRecord): string {
  const d = r.data as Data;
  switch (r.type) {
    case 'promotion.started':
      return `pipeline ${str(d.pipeline) ?? '?'} through ${strings(d.stages).join(' → ')}, release digest ${str(d.releaseDigest) ?? '?'}`;
    case 'policy.evaluated':
      return `${d.passed ? 'passed' : 'failed'}: ${
        (d.rules as Data[] | undefined)
          ?.filter((x) => x.outcome !== 'pass')
          .map((x) => `${str(x.ruleId)} ${str(x.outcome)}`)
          .join(', ') || 'all rules pass'
      }`;
    case 'approval.requested':
      return `quorum ${num(d.quorum)} from ${strings(d.groups).join(', ')}${d.distinctGroups ? ' (distinct groups)' : ''}, deadline ${str(d.deadline) ?? '?'}`;
    case 'approval.vote':
      return `${str(d.approver) ?? r.actor.id} voted ${str(d.decision) ?? '?'} via ${str(d.channel) ?? r.actor.channel}${d.comment ? `: ${str(d.comment)}` : ''}`;
    case 'approval.granted':
      return `approved by ${(d.votes as Data[] | undefined)?.map((v) => str(v.approver)).join(', ') ?? '?'}`;
    case 'waiver.granted':
      return `${str(d.by) ?? r.actor.id} waived ${strings(d.waives).join(', ')}: ${str(d.justification) ?? ''}`;
    case 'deploy.completed':
      return `deployed ${str(d.version) ?? '?'}`;
    case 'canary.step':
      return `step ${num(d.step)} at weight ${num(d.weight)}%`;
    case 'canary.analysis':
      return `${str(d.verdict) ?? '?'}: ${str(d.reason) ?? ''}`;
    case 'canary.decision':
      return `${str(d.decision) ?? '?'} by ${str(d.by) ?? '?'}`;
    case 'rollback.completed':
      return `rolled back (${str(d.reason) ?? '?'}), restored ${str(d.restored) ?? 'nothing'}`;
    case 'security.refused':
      return `refused ${str(d.actor) ?? r.actor.id} via ${str(d.channel) ?? r.actor.channel}: ${str(d.reason) ?? ''}`;
    default:
      return str(d.outcome) ?? str(d.reason) ?? '';
  }
}

function coverage(
  records: EvidenceRecord[],
  promotion: PromotionSummary,
  approvals: ApprovalRow[],
  policies: PolicyRow[],
  waived: Set<string>,
): CoverageRow[] {
  if (isRollbackChain(records)) return rollbackCoverage(records);
  const seqs = (pred: (r: EvidenceRecord) => boolean) => records.filter(pred).map((r) => r.seq);
  const rows: CoverageRow[] = [];

  const evaluatedStages = new Set(policies.map((p) => p.stage));
  const unevaluated = promotion.reached.filter((s) => !evaluatedStages.has(s));
  const failedUnwaived = policies.flatMap((p) =>
    p.rules
      .filter((r) => (r.outcome === 'fail' || r.outcome === 'error') && !waived.has(r.ruleId))
      .map((r) => r.ruleId),
  );
  rows.push({
    question: 'Policy and procedure in place',
    status: policies.length === 0 ? 'not met' : unevaluated.length > 0 ? 'partial' : 'met',
    detail:
      policies.length === 0
        ? 'no policy evaluation recorded'
        : `${policies.length} policy evaluation(s) with packs ${[...new Set(policies.flatMap((p) => p.packs))].join(', ')}` +
          (unevaluated.length ? `; stages without evaluation: ${unevaluated.join(', ')}` : '') +
          (failedUnwaived.length
            ? `; failed rules stopped the promotion: ${failedUnwaived.join(', ')}`
            : '') +
          (waived.size ? `; waived: ${[...waived].join(', ')}` : ''),
    evidence: policies.map((p) => p.seq),
  });

  const requested = seqs((r) => r.type === 'approval.requested');
  const release = records.find((r) => r.type === 'promotion.started')?.data.release as Data | undefined;
  const authors = new Set([promotion.requester, ...strings(release?.commitAuthors)]);
  const selfApprovals = approvals.filter((a) => a.decision === 'approve' && authors.has(a.approver));
  const blind = approvals.filter((a) => !a.sawPromotedRelease || !a.sawCurrentPolicyResult);
  rows.push({
    question: 'Segregation of duties',
    status:
      requested.length === 0
        ? 'not applicable'
        : selfApprovals.length || blind.length || approvals.length === 0
          ? 'not met'
          : 'met',
    detail:
      requested.length === 0
        ? 'no stage of this promotion required approval'
        : approvals.length === 0
          ? 'approval was requested but no vote was recorded'
          : `${approvals.length} vote(s) by ${[...new Set(approvals.map((a) => a.approver))].join(', ')}; requester ${promotion.requester ?? '?'}` +
            (selfApprovals.length
              ? `; SELF-APPROVAL by ${selfApprovals.map((a) => a.approver).join(', ')}`
              : '; no approver is the requester or a commit author') +
            (blind.length
              ? `; ${blind.length} vote(s) bound to a different release or policy result`
              : '; every vote is bound to the promoted release digest and policy result'),
    evidence: [...requested, ...approvals.map((a) => a.seq)],
  });

  const deploys = records.filter((r) => r.type === 'deploy.completed');
  const manual = deploys.filter((r) => r.actor.channel !== 'system');
  const inOrder = promotion.reached.every((s, i) => promotion.stages[i] === s);
  rows.push({
    question: 'Standardized, automated, separated environments',
    status:
      deploys.length === 0
        ? 'not applicable'
        : manual.length === 0 && inOrder && deploys.every((d) => d.stage)
          ? 'met'
          : 'not met',
    detail:
      deploys.length === 0
        ? 'nothing was deployed'
        : `stages entered in pipeline order (${promotion.reached.join(' → ')}): ${inOrder ? 'yes' : 'NO'}; ` +
          `${deploys.length} deploy(s) by the ${manual.length === 0 ? 'system on per-stage task queues' : `system and ${manual.length} manual actor(s)`}`,
    evidence: deploys.map((d) => d.seq),
  });

  const supplyRules = policies.flatMap((p) =>
    p.rules
      .filter((r) => SUPPLY_CHAIN.test(`${r.ruleId} ${r.message ?? ''}`))
      .map((r) => ({ ...r, seq: p.seq })),
  );
  const failedSupply = supplyRules.filter((r) => r.outcome !== 'pass' && !waived.has(r.ruleId));
  rows.push({
    question: 'Vetted third-party components',
    status: supplyRules.length === 0 ? 'not met' : failedSupply.length ? 'not met' : 'met',
    detail:
      supplyRules.length === 0
        ? 'no policy rule checked SBOM, vulnerabilities, signatures or provenance'
        : `${[...new Set(supplyRules.map((r) => r.ruleId))].join(', ')}: ${failedSupply.length ? `failing: ${failedSupply.map((r) => r.ruleId).join(', ')}` : 'all passed or waived'}`,
    evidence: [...new Set(supplyRules.map((r) => r.seq))],
  });

  const rollbacks = records.filter((r) => r.type === 'rollback.completed');
  const analyses = records.filter((r) => r.type === 'canary.analysis');
  const knownPrevious = deploys.filter((d) =>
    str(((d.data as Data).serving as Data | undefined)?.previousStable),
  );
  rows.push({
    question: 'Rollback readiness',
    status:
      rollbacks.length || analyses.length
        ? 'met'
        : knownPrevious.length
          ? 'partial'
          : deploys.length
            ? 'not met'
            : 'not applicable',
    detail: rollbacks.length
      ? `rollback executed: ${rollbacks.map((r) => `${r.stage ?? '?'} restored ${str((r.data as Data).restored) ?? 'nothing'}`).join('; ')}`
      : analyses.length
        ? `${analyses.length} canary analysis(es) guarded the rollout; previous version known for ${knownPrevious.length} deploy(s)`
        : knownPrevious.length
          ? `previous version recorded for ${knownPrevious.length} deploy(s), no canary analysis`
          : deploys.length
            ? 'deploys recorded no version to roll back to'
            : 'nothing was deployed',
    evidence: [...rollbacks, ...analyses, ...knownPrevious].map((r) => r.seq).sort((a, b) => a - b),
  });
  return rows;
}

export function buildReport(
  records: EvidenceRecord[],
  opts: { sealed: boolean; refusals?: EvidenceRecord[]; integrity?: ChainVerification },
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
        packs: ((d.packs as Data[] | undefined) ?? []).map((p) => `${str(p.name)}@${str(p.version)}`),
        rules: ((d.rules as Data[] | undefined) ?? []).map((x) => ({
          pack: str(x.pack) ?? '',
          ruleId: str(x.ruleId) ?? '',
          severity: str(x.severity) ?? '',
          outcome: str(x.outcome) ?? '',
          ...(str(x.message) ? { message: str(x.message) } : {}),
          controls: strings(x.controls),
        })),
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
        step: num(d.step),
        weight: num(d.weight),
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
  return {
    promotion,
    ...(releaseDigest ? { releaseDigest } : {}),
    ...(opts.integrity
      ? { integrity: { ok: opts.integrity.ok, seal: opts.integrity.seal, problems: opts.integrity.problems } }
      : {}),
    timeline: records.map((r) => ({
      seq: r.seq,
      time: r.time,
      stage: r.stage,
      type: r.type,
      actor: r.actor.id,
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
    coverage: coverage(records, promotion, approvals, policies, waived),
    controls: [...new Set(records.flatMap((r) => r.controls))].sort(),
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
