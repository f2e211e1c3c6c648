/**
 * The period report: an auditor testing change management starts from the population of
 * changes to a stage in a period, not from one promotion. It lists every change (promotions and
 * operators' rollbacks) with its exceptions first, draws a reproducible sample, answers each
 * guideline over the whole population, logs failed gates and their re-promotions, and counts
 * DORA's delivery metrics.
 */
import type { TrustedWorker } from '../../domain/worker.js';
import type { KeyObject } from 'node:crypto';
import type { EvidenceRecord } from '../../domain/evidence.js';
import type { Ledger } from '../../ledger/ledger.js';
import { isSecurityChain, verifyChain } from '../../ledger/verify.js';
import { drDrillOf, str, type AnyRecord, type DrDrill } from './evidence.js';
import { doraMetrics, type DoraMetrics } from './dora.js';
import { buildReport, type PromotionReport } from './model.js';
import { drillStatus, lastDrill } from './rows/continuity.js';
import type { CoverageRow } from './rows/row.js';
import { drawSample, newSeed } from './sample.js';
import { summaryVerdict, type Verdict, type VerdictStatus } from './verdict.js';

export interface PeriodOptions {
  since: string;
  until: string;
  app?: string;
  /** Only changes to this stage; DORA metrics are counted for it (default prod). */
  stage?: string;
  /** Seed of the sample; a new one is drawn (and printed) when absent. */
  seed?: string;
  sampleSize?: number;
  publicKey?: KeyObject;
  /** Stage workers the report's config trusts (the separation row checks their signatures). */
  workers?: readonly TrustedWorker[];
}

export interface PopulationEntry {
  promotionId: string;
  kind: 'promotion' | 'operator rollback';
  app?: string;
  version?: string;
  requester?: string;
  startedAt: string;
  status: string;
  /** Why an auditor looks at this change first: rolled back, rejected, waived, break-glass, … */
  exceptions: string[];
  verdict: VerdictStatus;
  notMet: string[];
}

export interface RemediationEntry {
  app: string;
  promotionId: string;
  stage: string;
  failed: string;
  /** The later promotion of the app that passed the same stage, if any. */
  fixedBy?: string;
}

export interface PeriodReport {
  scope: { since: string; until: string; app?: string; stage?: string; seed: string; sampleSize: number };
  verdict: Verdict;
  population: PopulationEntry[];
  sample: string[];
  coverage: CoverageRow[];
  remediation: RemediationEntry[];
  drills: DrDrill[];
  dora: DoraMetrics;
}

export const DEFAULT_SAMPLE_SIZE = 25;

function checkTime(name: string, value: string): void {
  if (Number.isNaN(Date.parse(value)))
    throw new Error(`--${name} ${value}: not an ISO-8601 time such as 2026-03-01 or 2026-03-01T09:00:00Z`);
}

function exceptionsOf(report: PromotionReport): string[] {
  const p = report.promotion;
  const rolledBackBy = report.timeline.filter((t) => t.type === 'rollback.completed');
  return [
    ...(p.status !== 'succeeded' ? [p.status] : []),
    ...(report.waivers.length ? [`waived ${report.waivers.flatMap((w) => w.waives).join(', ')}`] : []),
    ...(report.timeline.some((t) => t.type === 'control.promote-now') ? ['break-glass: promote-now'] : []),
    ...(report.waivers.some((w) => w.waives.includes('change-window'))
      ? ['break-glass: outside the change window']
      : []),
    ...(rolledBackBy.length && p.status === 'succeeded' ? ['rolled back'] : []),
    ...(p.refusals ? [`${p.refusals} refused request(s)`] : []),
    ...(report.integrity && !report.integrity.ok ? ['ledger integrity FAILED'] : []),
  ];
}

/** A guideline over the population: the worst status among the changes it applies to. */
function aggregate(rows: CoverageRow[][], reports: PromotionReport[]): CoverageRow[] {
  const first = rows[0] ?? [];
  return first.map((template) => {
    const answers = rows.map((r, i) => ({
      row: r.find((x) => x.id === template.id)!,
      id: reports[i]!.promotion.promotionId,
    }));
    const count = (s: CoverageRow['status']) => answers.filter((a) => a.row.status === s);
    const notMet = count('not met');
    const partial = count('partial');
    const applicable = answers.length - count('not applicable').length;
    const status: CoverageRow['status'] =
      applicable === 0 ? 'not applicable' : notMet.length ? 'not met' : partial.length ? 'partial' : 'met';
    const example = notMet[0] ?? partial[0] ?? answers.find((a) => a.row.status === status);
    return {
      id: template.id,
      source: template.source,
      question: template.question,
      status,
      detail:
        `met in ${count('met').length}, not met in ${notMet.length}, partly met in ${partial.length}, not applicable in ${answers.length - applicable} of ${answers.length} change(s)` +
        (example ? `; e.g. ${example.id}: ${example.row.detail}` : ''),
      evidence: [],
      related: [...notMet, ...partial].map((a) => a.id),
    };
  });
}

function remediationLog(reports: PromotionReport[]): RemediationEntry[] {
  const entries: RemediationEntry[] = [];
  for (const r of reports) {
    const failedGates = [
      ...r.policies
        .filter((p) => !p.passed)
        .map((p) => ({
          stage: p.stage ?? '?',
          failed: `policy ${p.rules
            .filter((x) => x.outcome === 'fail' || x.outcome === 'error')
            .map((x) => x.ruleId)
            .join(', ')}`,
        })),
      ...r.rollbacks.map((b) => ({ stage: b.stage ?? '?', failed: `rolled back: ${b.reason}` })),
    ];
    for (const gate of failedGates) {
      const fixedBy = reports.find(
        (later) =>
          later.promotion.app === r.promotion.app &&
          later.promotion.startedAt > r.promotion.startedAt &&
          later.timeline.some((t) => t.type === 'deploy.completed' && t.stage === gate.stage) &&
          !later.rollbacks.some((b) => b.stage === gate.stage),
      );
      entries.push({
        app: r.promotion.app ?? '?',
        promotionId: r.promotion.promotionId,
        ...gate,
        ...(fixedBy ? { fixedBy: fixedBy.promotion.promotionId } : {}),
      });
    }
  }
  return entries;
}

export async function periodReport(ledger: Ledger, opts: PeriodOptions): Promise<PeriodReport> {
  checkTime('since', opts.since);
  checkTime('until', opts.until);
  if (Date.parse(opts.until) <= Date.parse(opts.since))
    throw new Error(`--until ${opts.until} must be after --since ${opts.since}`);
  const sampleSize = opts.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  if (!Number.isInteger(sampleSize) || sampleSize < 0)
    throw new Error(`--sample ${String(opts.sampleSize)}: give a whole number of changes, e.g. 25`);
  const seed = opts.seed ?? newSeed();

  const summaries = await ledger.listChains();
  const ids = new Set(summaries.map((c) => c.chainId));
  const archived = new Map<string, string[]>();
  for (const a of await ledger.listArtifacts())
    archived.set(a.promotionId, [...(archived.get(a.promotionId) ?? []), a.name]);
  const chains: { raw: string[]; records: AnyRecord[] }[] = [];
  const drills: DrDrill[] = [];
  for (const c of summaries.filter((s) => !isSecurityChain(s.chainId))) {
    const raw = await ledger.readRaw(c.chainId);
    const records = raw.map((line) => JSON.parse(line) as AnyRecord);
    drills.push(...records.map(drDrillOf).filter((d): d is DrDrill => d !== undefined));
    if (records[0]?.type === 'promotion.started' || records[0]?.type === 'rollback.requested')
      chains.push({ raw, records });
  }
  drills.sort((a, b) => a.time.localeCompare(b.time));
  const appOf = (records: AnyRecord[]) =>
    records[0]?.type === 'rollback.requested'
      ? str(records[0].data.app)
      : str((records[0]?.data.release as Record<string, unknown> | undefined)?.app);
  const ofApp = chains.filter((c) => !opts.app || appOf(c.records) === opts.app);

  const reports: PromotionReport[] = [];
  for (const { raw, records } of ofApp) {
    const first = records[0]!;
    const t = Date.parse(first.time);
    if (t < Date.parse(opts.since) || t >= Date.parse(opts.until)) continue;
    const chainId = first.chainId;
    const seal = await ledger.getSeal(chainId);
    const report = buildReport(records as EvidenceRecord[], {
      sealed: seal !== undefined,
      refusals: ids.has(`security:${chainId}`) ? await ledger.read(`security:${chainId}`) : [],
      integrity: verifyChain(chainId, raw, seal, {
        publicKey: opts.publicKey,
        requireSeal: Boolean(opts.publicKey),
      }),
      drills,
      archived: archived.get(first.promotionId) ?? [],
      ...(opts.workers ? { workers: opts.workers } : {}),
    });
    if (opts.stage && !report.promotion.reached.includes(opts.stage)) continue;
    reports.push(report);
  }

  const population = reports
    .map((r): PopulationEntry => ({
      promotionId: r.promotion.promotionId,
      kind: r.timeline[0]?.type === 'rollback.requested' ? 'operator rollback' : 'promotion',
      ...(r.promotion.app ? { app: r.promotion.app } : {}),
      ...(r.promotion.version ? { version: r.promotion.version } : {}),
      ...(r.promotion.requester ? { requester: r.promotion.requester } : {}),
      startedAt: r.promotion.startedAt,
      status: r.promotion.status,
      exceptions: exceptionsOf(r),
      verdict: r.verdict.status,
      notMet: r.verdict.notMet,
    }))
    .sort(
      (a, b) =>
        Number(b.exceptions.length > 0) - Number(a.exceptions.length > 0) ||
        a.startedAt.localeCompare(b.startedAt),
    );

  const promotions = reports.filter((r) => r.timeline[0]?.type !== 'rollback.requested');
  const coverage = promotions.length
    ? aggregate(
        promotions.map((r) => r.coverage),
        promotions,
      )
    : [];
  const remediation = remediationLog(promotions);
  for (const row of coverage) {
    if (row.id === 'ag-5-disaster-recovery' && row.status !== 'not applicable') {
      const drill = lastDrill(drills, opts.until);
      Object.assign(row, drillStatus(drill, opts.until), { related: drill ? [drill.citation] : [] });
    }
    if (row.id === 'ag-3-configuration-policies')
      row.detail += `; remediation log: ${remediation.length} failed gate(s), ${remediation.filter((e) => e.fixedBy).length} fixed by a later promotion`;
  }
  const integrityProblems = reports
    .filter((r) => r.integrity && !r.integrity.ok)
    .map((r) => r.promotion.promotionId);
  return {
    scope: {
      since: opts.since,
      until: opts.until,
      ...(opts.app ? { app: opts.app } : {}),
      ...(opts.stage ? { stage: opts.stage } : {}),
      seed,
      sampleSize,
    },
    verdict: summaryVerdict(coverage, { ok: integrityProblems.length === 0, problems: integrityProblems }),
    population,
    sample: drawSample(
      population.map((p) => p.promotionId),
      sampleSize,
      seed,
    ),
    coverage,
    remediation,
    drills: drills.filter(
      (d) => Date.parse(d.time) >= Date.parse(opts.since) && Date.parse(d.time) < Date.parse(opts.until),
    ),
    dora: doraMetrics(
      ofApp.map((c) => c.records),
      opts.stage ?? 'prod',
      opts,
    ),
  };
}
