/**
 * Re-evaluating recorded policy gates offline: the release a promotion started with (its
 * `promotion.started` record, evidence digests included), evaluated again at each recorded
 * gate's time with the same packs, reading evidence from a blob store — an evidence bundle's, on
 * an auditor's machine. The same packs, settings and evidence bytes give the same result hash.
 */
import { recordedRelease } from '../audit/bundle-evidence.js';
import type { Ledger } from '../ledger/ledger.js';
import type { PolicyEngine } from './engine.js';
import { PolicyEvaluation } from './types.js';

export interface RecheckedGate {
  stage: string;
  recordedHash: string;
  recheckedHash: string;
  same: boolean;
  passed: boolean;
  /** Rules whose outcome differs from the recorded one: `<pack>/<rule>: <then> → <now>`. */
  changedRules: string[];
}

export async function recheckPromotion(
  ledger: Ledger,
  engine: PolicyEngine,
  promotionId: string,
): Promise<RecheckedGate[]> {
  const release = await recordedRelease(ledger, promotionId);
  if (!release)
    throw new Error(`${promotionId}: the ledger holds no promotion.started record with a readable release`);
  const records = (await ledger.read(promotionId)).filter((r) => r.type === 'policy.evaluated');
  if (records.length === 0) throw new Error(`${promotionId}: the ledger records no policy evaluation`);
  const gates: RecheckedGate[] = [];
  for (const record of records) {
    const recorded = PolicyEvaluation.parse(record.data);
    const now = await engine.evaluate({
      promotionId,
      stage: recorded.stage,
      release,
      releaseDigest: '',
      packs: recorded.packs.map((p) => p.name),
      time: record.time,
    });
    const before = new Map(recorded.rules.map((r) => [`${r.pack}/${r.ruleId}`, r.outcome]));
    gates.push({
      stage: recorded.stage,
      recordedHash: recorded.resultHash,
      recheckedHash: now.resultHash,
      same: recorded.resultHash === now.resultHash,
      passed: now.passed,
      changedRules: now.rules
        .filter((r) => before.get(`${r.pack}/${r.ruleId}`) !== r.outcome)
        .map(
          (r) => `${r.pack}/${r.ruleId}: ${before.get(`${r.pack}/${r.ruleId}`) ?? 'absent'} → ${r.outcome}`,
        ),
    });
  }
  return gates;
}
