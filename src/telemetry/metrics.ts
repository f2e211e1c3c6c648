/**
 * Prometheus metrics of Tollgate itself, served on a worker's `/metrics`. They are derived from
 * the evidence records the orchestration worker appends (see evidence-observer.ts), so a figure
 * can never disagree with the ledger about what happened; durations are differences of the
 * records' workflow times, so they are right even when a record is appended late.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { EvidenceRecord } from '../domain/evidence.js';

/** Seconds, from a minute to a week: gates wait on people and change windows. */
const WAIT_BUCKETS = [1, 10, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600];

const PROMOTION_END = /^promotion\.(started|completed|failed|rejected|expired|aborted|superseded)$/;

/** Gate waits: the record that starts a wait and the one that ends it. */
const WAITS = [
  { gate: 'approval', from: 'approval.requested', to: 'approval.granted' },
  { gate: 'window', from: 'window.waiting', to: 'window.open' },
  { gate: 'freeze', from: 'freeze.held', to: 'freeze.lifted' },
] as const;

/** A registry with the process's default metrics (CPU, memory, event loop lag) and Tollgate's. */
export function createTollgateRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export interface TollgateMetrics {
  /** Updates the metrics with one appended record; a record seen twice (a retried step) counts once. */
  readonly observe: (record: EvidenceRecord) => void;
}

export function createTollgateMetrics(registry: Registry): TollgateMetrics {
  const promotions = new Counter({
    name: 'tollgate_promotions_total',
    help: 'Promotions by status: started, then how each ended (completed, failed, rejected, expired, aborted, superseded).',
    labelNames: ['status'],
    registers: [registry],
  });
  const gateWait = new Histogram({
    name: 'tollgate_gate_wait_seconds',
    help: 'How long a promotion waited at a gate (approval until granted, change window until open, freeze until lifted).',
    labelNames: ['gate', 'stage'],
    buckets: WAIT_BUCKETS,
    registers: [registry],
  });
  const approvalLatency = new Histogram({
    name: 'tollgate_approval_latency_seconds',
    help: 'From a stage asking for approval to each vote cast on it.',
    labelNames: ['stage', 'decision'],
    buckets: WAIT_BUCKETS,
    registers: [registry],
  });
  const canaryVerdicts = new Counter({
    name: 'tollgate_canary_verdicts_total',
    help: 'Canary analyses by verdict (pass, fail, inconclusive).',
    labelNames: ['stage', 'verdict'],
    registers: [registry],
  });

  /** Start times of open waits, by promotion, stage and starting record type. */
  const started = new Map<string, number>();
  const key = (r: EvidenceRecord, type: string) => `${r.promotionId}\0${r.stage ?? ''}\0${type}`;
  /** Hashes of recently observed records: a retried step returns the stored record again. */
  const seen = new Set<string>();

  return {
    observe: (record) => {
      if (seen.has(record.hash)) return;
      seen.add(record.hash);
      if (seen.size > 10_000) seen.delete(seen.values().next().value!);
      const at = Date.parse(record.time);
      const stage = record.stage ?? '';

      const end = PROMOTION_END.exec(record.type);
      if (end) {
        promotions.inc({ status: end[1] });
        if (end[1] !== 'started')
          for (const k of started.keys()) if (k.startsWith(`${record.promotionId}\0`)) started.delete(k);
      }
      for (const w of WAITS) {
        if (record.type === w.from) started.set(key(record, w.from), at);
        if (record.type === w.to) {
          const from = started.get(key(record, w.from));
          if (from !== undefined) gateWait.observe({ gate: w.gate, stage }, (at - from) / 1000);
          started.delete(key(record, w.from));
        }
      }
      if (record.type === 'approval.vote') {
        const from = started.get(key(record, 'approval.requested'));
        const decision = typeof record.data.decision === 'string' ? record.data.decision : 'unknown';
        if (from !== undefined) approvalLatency.observe({ stage, decision }, (at - from) / 1000);
      }
      if (record.type === 'canary.analysis' && typeof record.data.verdict === 'string')
        canaryVerdicts.inc({ stage, verdict: record.data.verdict });
    },
  };
}
