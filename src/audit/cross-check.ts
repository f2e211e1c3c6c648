/**
 * Ledger ↔ history cross-check: the evidence a promotion's histories say was recorded must be
 * exactly what the ledger holds for that chain — every record matches, nothing is missing,
 * nothing extra.
 */
import type { EvidenceRecord } from '../domain/evidence.js';
import type { Ledger } from '../ledger/ledger.js';

export interface RecordRef {
  seq: number;
  type: string;
  hash: string;
}

export interface CrossCheck {
  chainId: string;
  ok: boolean;
  matched: number;
  /** Recorded according to the history, but not in the ledger (deleted or changed there). */
  missing: RecordRef[];
  /** In the ledger, but never recorded by the workflow (inserted or changed there). */
  extra: RecordRef[];
}

const ref = (r: { seq: number; type: string; hash: string }): RecordRef => ({
  seq: r.seq,
  type: r.type,
  hash: r.hash,
});

/** Ledger records as stored; a line that does not parse is still "extra", never skipped. */
async function ledgerRecords(ledger: Ledger, chainId: string): Promise<RecordRef[]> {
  return (await ledger.readRaw(chainId)).map((text, position) => {
    try {
      return ref(JSON.parse(text) as EvidenceRecord);
    } catch {
      return { seq: position, type: '(unreadable)', hash: '' };
    }
  });
}

export function compareEvidence(
  chainId: string,
  fromHistory: EvidenceRecord[],
  inLedger: RecordRef[],
): CrossCheck {
  const expected = new Map<string, RecordRef>();
  for (const r of fromHistory) expected.set(`${r.seq}:${r.hash}`, ref(r));
  const extra: RecordRef[] = [];
  let matched = 0;
  for (const r of inLedger) {
    const key = `${r.seq}:${r.hash}`;
    if (expected.delete(key)) matched++;
    else extra.push(r);
  }
  const missing = [...expected.values()].sort((a, b) => a.seq - b.seq);
  return { chainId, ok: missing.length === 0 && extra.length === 0, matched, missing, extra };
}

export async function crossCheck(ledger: Ledger, fromHistory: EvidenceRecord[]): Promise<CrossCheck[]> {
  const byChain = new Map<string, EvidenceRecord[]>();
  for (const r of fromHistory) byChain.set(r.chainId, [...(byChain.get(r.chainId) ?? []), r]);
  const checks: CrossCheck[] = [];
  for (const [chainId, records] of byChain)
    checks.push(compareEvidence(chainId, records, await ledgerRecords(ledger, chainId)));
  return checks;
}
