/**
 * `audit list`: promotions as the ledger remembers them, so it works long after Temporal's
 * retention has removed the workflows.
 */
import { isTerminal, payloadOf, type EvidenceRecord, type PayloadOf } from '../domain/evidence.js';
import type { Ledger } from '../ledger/ledger.js';
import { isSecurityChain } from '../ledger/verify.js';

export interface PromotionSummary {
  promotionId: string;
  app?: string;
  version?: string;
  pipeline?: string;
  requester?: string;
  stages: string[];
  /** Stages the promotion entered. */
  reached: string[];
  /** `running` until a terminal record exists, then the status it recorded. */
  status: string;
  outcome?: string;
  startedAt: string;
  endedAt?: string;
  records: number;
  sealed: boolean;
  refusals: number;
}

export interface ListFilter {
  app?: string;
  version?: string;
  stage?: string;
  status?: string;
  /** ISO times: promotions that started at or after `since` and before `until`. */
  since?: string;
  until?: string;
}

function restoredVersion(
  rollback: PayloadOf<'rollback.requested'> | undefined,
  terminal: EvidenceRecord | undefined,
): string | undefined {
  if (!rollback) return undefined;
  const restored = payloadOf(terminal, 'rollback.completed')?.restored;
  return restored ?? rollback.toVersion ?? undefined;
}

export function summarize(
  records: EvidenceRecord[],
  sealed: boolean,
  refusals: number,
): PromotionSummary | undefined {
  const first = records[0];
  if (!first) return undefined;
  const started = payloadOf(
    records.find((r) => r.type === 'promotion.started'),
    'promotion.started',
  );
  // An operator's rollback (workflows/rollback.ts) keeps its own chain: it starts with the
  // request and its last record (seq > 0) carries the status and outcome.
  const rollback = payloadOf(first, 'rollback.requested');
  const terminal = rollback
    ? records.findLast((r) => r.seq > 0 && typeof r.data.status === 'string')
    : records.findLast((r) => isTerminal(r.type));
  const ended = terminal ? terminal.data : undefined;
  const status = typeof ended?.status === 'string' ? ended.status : undefined;
  const outcome = typeof ended?.outcome === 'string' ? ended.outcome : undefined;
  const pipeline = typeof started?.pipeline === 'string' ? started.pipeline : started?.pipeline?.name;
  return {
    promotionId: first.promotionId,
    app: started?.release?.app ?? rollback?.app,
    version: started?.release?.version ?? restoredVersion(rollback, terminal),
    pipeline: pipeline ?? rollback?.pipeline,
    requester: started?.release?.requester ?? rollback?.requestedBy,
    stages: started?.stages ?? (rollback ? [rollback.stage] : []),
    reached: rollback
      ? [rollback.stage]
      : [...new Set(records.filter((r) => r.type === 'stage.entered' && r.stage).map((r) => r.stage!))],
    status: terminal ? (status ?? terminal.type.slice('promotion.'.length)) : 'running',
    ...(outcome ? { outcome } : {}),
    startedAt: first.time,
    ...(terminal ? { endedAt: terminal.time } : {}),
    records: records.length,
    sealed,
    refusals,
  };
}

function matches(p: PromotionSummary, f: ListFilter): boolean {
  return (
    (!f.app || p.app === f.app) &&
    (!f.version || p.version === f.version) &&
    (!f.stage || p.reached.includes(f.stage)) &&
    (!f.status || p.status === f.status) &&
    (!f.since || Date.parse(p.startedAt) >= Date.parse(f.since)) &&
    (!f.until || Date.parse(p.startedAt) < Date.parse(f.until))
  );
}

export async function listPromotions(ledger: Ledger, filter: ListFilter = {}): Promise<PromotionSummary[]> {
  for (const [key, value] of [
    ['since', filter.since],
    ['until', filter.until],
  ] as const) {
    if (value !== undefined && Number.isNaN(Date.parse(value)))
      throw new Error(`--${key} ${value}: not an ISO-8601 time such as 2026-03-01 or 2026-03-01T09:00:00Z`);
  }
  const chains = await ledger.listChains();
  const refusals = new Map(
    chains.filter((c) => isSecurityChain(c.chainId)).map((c) => [c.promotionId, c.length]),
  );
  const summaries: PromotionSummary[] = [];
  for (const chain of chains.filter((c) => !isSecurityChain(c.chainId))) {
    const summary = summarize(
      await ledger.read(chain.chainId),
      chain.sealed,
      refusals.get(chain.promotionId) ?? 0,
    );
    if (summary && matches(summary, filter)) summaries.push(summary);
  }
  return summaries.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}
