/**
 * Backtesting a canary template: every analysis in the ledger that recorded its measurements is
 * judged again with the template, and the verdicts that would have changed are listed — the
 * canary's counterpart of `policy backtest`. Queries are not re-run (their answers are in the
 * past): a queried threshold keeps the judgement recorded for it.
 */
import { z } from 'zod';
import { payloadOf, type EvidenceRecord } from '../domain/evidence.js';
import type { Ledger } from '../ledger/ledger.js';
import { CanaryConfig } from './config.js';
import { judge, type QueriedJudge } from './judge.js';
import { measurementsFromRecord } from './recorded.js';
import { AnalysisResult, type MetricJudgement, type Verdict } from './types.js';

/** A template is a stage's `canary:` section; its steps are not needed to judge recorded analyses. */
export const CanaryTemplate = CanaryConfig.extend({ steps: CanaryConfig.shape.steps.optional() });
export type CanaryTemplate = z.infer<typeof CanaryTemplate>;

export interface CanaryBacktestRow {
  promotionId: string;
  app: string | null;
  version: string | null;
  stage: string | null;
  step: number;
  measurement?: number;
  time: string;
  recorded: Verdict;
  /** null: the analysis recorded no measurements to judge again. */
  rejudged: Verdict | null;
  changed: boolean;
  reason: string;
}

export interface CanaryBacktestReport {
  since: string;
  analyses: number;
  rejudged: number;
  changed: number;
  rows: CanaryBacktestRow[];
}

export async function backtestCanary(opts: {
  ledger: Ledger;
  template: CanaryTemplate;
  since: Date;
}): Promise<CanaryBacktestReport> {
  const chains = (await opts.ledger.listChains())
    .filter((c) => !c.chainId.startsWith('security:') && Date.parse(c.lastTime) >= opts.since.getTime())
    .sort((a, b) => a.firstTime.localeCompare(b.firstTime) || a.chainId.localeCompare(b.chainId));
  const rows: CanaryBacktestRow[] = [];
  for (const chain of chains)
    rows.push(...(await backtestChain(opts.template, opts.since, await opts.ledger.read(chain.chainId))));
  return {
    since: opts.since.toISOString(),
    analyses: rows.length,
    rejudged: rows.filter((r) => r.rejudged !== null).length,
    changed: rows.filter((r) => r.changed).length,
    rows,
  };
}

async function backtestChain(
  template: CanaryTemplate,
  since: Date,
  records: EvidenceRecord[],
): Promise<CanaryBacktestRow[]> {
  const release = payloadOf(
    records.find((r) => r.type === 'promotion.started'),
    'promotion.started',
  )?.release;
  const rows: CanaryBacktestRow[] = [];
  for (const record of records) {
    if (record.type !== 'canary.analysis' || Date.parse(record.time) < since.getTime()) continue;
    const parsed = AnalysisResult.safeParse(record.data);
    if (!parsed.success) continue;
    const analysis = parsed.data;
    const head = {
      promotionId: record.promotionId,
      app: release?.app ?? null,
      version: release?.version ?? null,
      stage: record.stage ?? null,
      step: analysis.step,
      ...(analysis.measurement ? { measurement: analysis.measurement.number } : {}),
      time: record.time,
      recorded: analysis.verdict,
    };
    if (!analysis.measured) {
      rows.push({
        ...head,
        rejudged: null,
        changed: false,
        reason: analysis.providerError
          ? `nothing was measured: ${analysis.providerError}`
          : 'recorded before analyses kept their measurements: not judged again',
      });
      continue;
    }
    const windowSeconds = (Date.parse(analysis.window.end) - Date.parse(analysis.window.start)) / 1000;
    const result = await judge(
      template,
      {
        canary: measurementsFromRecord('canary', analysis.measured.canary),
        ...(analysis.measured.baseline
          ? { baseline: measurementsFromRecord('baseline', analysis.measured.baseline) }
          : {}),
      },
      { weight: analysis.weight, windowSeconds },
      asRecorded(analysis.metrics),
    );
    rows.push({
      ...head,
      rejudged: result.verdict,
      changed: result.verdict !== analysis.verdict,
      reason: result.reason,
    });
  }
  return rows;
}

/** A queried threshold keeps what was recorded for its metric; one the analysis never ran stays unjudged. */
function asRecorded(recorded: MetricJudgement[]): QueriedJudge {
  return (threshold) => {
    const names = [threshold.metric, `${threshold.metric}-vs-baseline`];
    const kept = recorded.filter((m) => names.includes(m.name));
    if (kept.length > 0)
      return Promise.resolve(
        kept.map((m) => ({ ...m, reason: `${m.reason} (as recorded: queries are not re-run)` })),
      );
    return Promise.resolve([
      {
        name: threshold.metric,
        verdict: 'inconclusive',
        canary: null,
        reason: `${threshold.metric} was not queried by the recorded analysis and queries are not re-run`,
      },
    ]);
  };
}
