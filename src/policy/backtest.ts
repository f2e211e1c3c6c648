/**
 * Backtesting: how would the current (or a candidate) set of packs have judged the promotions
 * already in the ledger? Each promotion's release is re-evaluated at every stage whose policy
 * gate it reached, at the time the gate was reached then: against facts computed again from the
 * evidence bytes when the release was promoted with evidence digests and the engine reads the
 * blob store (so new checks see old evidence), otherwise against the facts recorded then.
 */
import { Release } from '../domain/release.js';
import { payloadOf, type EvidenceRecord } from '../domain/evidence.js';
import type { Ledger } from '../ledger/ledger.js';
import type { EvaluateOptions, PolicyEngine } from './engine.js';
import type { Facts } from './facts/index.js';
import { PolicyEvaluation, type RuleResult } from './types.js';

export interface BacktestStage {
  stage: string;
  /** The recorded outcome of the gate, when it was recorded. */
  passedThen: boolean | null;
  wouldPass: boolean;
  /** `recorded`: facts from the ledger; `recomputed`: computed again from the evidence (blob store or files). */
  factsSource: 'recorded' | 'recomputed';
  failedRules: Pick<RuleResult, 'pack' | 'ruleId' | 'severity' | 'outcome' | 'message'>[];
}

export interface BacktestPromotion {
  promotionId: string;
  app: string | null;
  version: string | null;
  startedAt: string;
  wouldBlock: boolean;
  /** The first stage the packs would have stopped the promotion at. */
  blockedAt: string | null;
  stages: BacktestStage[];
  /** Why the promotion could not be evaluated (e.g. its recorded release no longer parses). */
  error?: string;
}

export interface BacktestReport {
  since: string;
  packs: { name: string; version: string }[];
  promotions: number;
  wouldBlock: number;
  results: BacktestPromotion[];
}

export async function backtest(opts: {
  ledger: Ledger;
  engine: PolicyEngine;
  since: Date;
}): Promise<BacktestReport> {
  const chains = (await opts.ledger.listChains())
    .filter((c) => !c.chainId.startsWith('security:') && Date.parse(c.firstTime) >= opts.since.getTime())
    .sort((a, b) => a.firstTime.localeCompare(b.firstTime) || a.chainId.localeCompare(b.chainId));
  const results: BacktestPromotion[] = [];
  for (const chain of chains) {
    const result = await backtestPromotion(opts.engine, await opts.ledger.read(chain.chainId));
    if (result) results.push(result);
  }
  return {
    since: opts.since.toISOString(),
    packs: opts.engine.packs.map((p) => ({ name: p.name, version: p.version })),
    promotions: results.length,
    wouldBlock: results.filter((r) => r.wouldBlock).length,
    results,
  };
}

async function backtestPromotion(
  engine: PolicyEngine,
  records: EvidenceRecord[],
): Promise<BacktestPromotion | undefined> {
  const started = records.find((r) => r.type === 'promotion.started');
  if (!started) return undefined;
  const startedData = payloadOf(started, 'promotion.started');
  const base: BacktestPromotion = {
    promotionId: started.promotionId,
    app: startedData?.release?.app ?? null,
    version: startedData?.release?.version ?? null,
    startedAt: started.time,
    wouldBlock: false,
    blockedAt: null,
    stages: [],
  };
  const release = Release.safeParse(started.data.release);
  if (!release.success)
    return { ...base, error: `the recorded release does not parse: ${release.error.issues[0]?.message}` };

  const gates = new Map<string, { time: string; evaluation?: PolicyEvaluation }>();
  for (const r of records) {
    if (r.type !== 'policy.evaluated' || !r.stage) continue;
    const evaluation = PolicyEvaluation.safeParse(r.data);
    gates.set(r.stage, { time: r.time, evaluation: evaluation.success ? evaluation.data : undefined });
  }
  const listed = startedData?.stages ?? [];
  const stages = gates.size ? listed.filter((s) => gates.has(s)) : listed;

  for (const stage of stages) {
    const gate = gates.get(stage);
    const stored = release.data.evidence.digests !== undefined && engine.readsEvidenceBlobs;
    const options: EvaluateOptions =
      gate?.evaluation && !stored ? { facts: gate.evaluation.facts as Facts } : {};
    const evaluation = await engine.evaluate(
      {
        promotionId: started.promotionId,
        stage,
        release: release.data,
        releaseDigest: typeof started.data.releaseDigest === 'string' ? started.data.releaseDigest : '',
        packs: [],
        time: gate?.time ?? started.time,
      },
      options,
    );
    base.stages.push({
      stage,
      passedThen: gate?.evaluation?.passed ?? null,
      wouldPass: evaluation.passed,
      factsSource: options.facts ? 'recorded' : 'recomputed',
      failedRules: evaluation.rules
        .filter((r) => r.outcome === 'fail' || r.outcome === 'error')
        .map(({ pack, ruleId, severity, outcome, message }) => ({
          pack,
          ruleId,
          severity,
          outcome,
          message,
        })),
    });
    if (!evaluation.passed && !base.blockedAt) base.blockedAt = stage;
  }
  return { ...base, wouldBlock: base.blockedAt !== null };
}

/** `30d`, `12h`, `90m` before `now`. */
