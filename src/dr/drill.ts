/**
 * `tollgate dr drill`: proves the evidence can be recovered. Backs the live ledger up, restores
 * the backup into a scratch store that starts empty, verifies the scratch store (every chain's
 * hashes and seals, every archive's sha256) and checks it holds exactly what the backup listed,
 * then appends a `dr.drill` record with the outcome to the live ledger — a failed drill is
 * recorded too (one whose restore or verification fails), since the auditor needs to see it. The scratch store is left for inspection only
 * when asked.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verifyLedger } from '../audit/verify.js';
import type { EvidenceRecord } from '../domain/evidence.js';
import type { Ledger } from '../ledger/ledger.js';
import { backupLedger, readBackupManifest, restoreLedger } from './backup.js';

export const DR_DRILL_CHAIN = 'dr-drills';
/** Backup and its test: information backup (ISO 27001 A.8.13), C5 OPS-07, CCM BCR-08. */
const DRILL_CONTROLS = ['BSI-C5:OPS-07', 'CSA-CCM:BCR-08', 'ISO27001:A.8.13', 'ISO27001:A.8.15'];

export interface DrillOutcome {
  result: 'passed' | 'failed';
  backupAt: string;
  /** Where the backup was restored, e.g. `file:/tmp/…` or `postgres`. */
  restoredInto: string;
  verify: { ok: boolean; chains: number; records: number; artifacts: number; problems: string[] };
}

export async function runDrill(opts: {
  live: Ledger;
  source: 'file' | 'postgres';
  /** An empty store to restore into, and how to name it in the record. */
  scratch: { ledger: Ledger; name: string };
  /** Keep the backup directory (default: removed). */
  keepBackupIn?: string;
  now?: () => Date;
}): Promise<{ outcome: DrillOutcome; record: EvidenceRecord }> {
  const now = opts.now ?? (() => new Date());
  const dir = opts.keepBackupIn ?? (await mkdtemp(path.join(tmpdir(), 'tollgate-dr-')));
  const backupDir = opts.keepBackupIn ? dir : path.join(dir, 'backup');
  let outcome: DrillOutcome;
  try {
    const backup = await backupLedger(opts.live, backupDir, { source: opts.source, now: now() });
    const problems: string[] = [];
    let verify = { ok: false, chains: 0, records: 0, artifacts: 0, problems };
    try {
      const restored = await restoreLedger(opts.scratch.ledger, backupDir);
      const check = await verifyLedger(opts.scratch.ledger);
      problems.push(
        ...check.chains.flatMap((c) => c.problems.map((p) => `${c.chainId}: ${p}`)),
        ...check.artifacts.flatMap((a) => a.problems.map((p) => `${a.promotionId}/${a.name}: ${p}`)),
      );
      const manifest = await readBackupManifest(backupDir);
      const heads = new Map((await opts.scratch.ledger.listChains()).map((c) => [c.chainId, c.headHash]));
      for (const c of manifest.chains)
        if (c.length > 0 && heads.get(c.chainId) !== c.headHash)
          problems.push(`${c.chainId}: restored head differs from the backup's`);
      verify = {
        ok: check.ok && problems.length === 0,
        chains: restored.chains,
        records: restored.records,
        artifacts: restored.artifacts,
        problems,
      };
    } catch (err) {
      problems.push((err as Error).message);
    }
    outcome = {
      result: verify.ok ? 'passed' : 'failed',
      backupAt: backup.createdAt,
      restoredInto: opts.scratch.name,
      verify,
    };
  } finally {
    if (!opts.keepBackupIn) await rm(dir, { recursive: true, force: true });
  }
  const record = await opts.live.appendNext({
    chainId: DR_DRILL_CHAIN,
    promotionId: DR_DRILL_CHAIN,
    type: 'dr.drill',
    actor: { id: 'tollgate', channel: 'system' },
    time: now().toISOString(),
    data: { ...outcome },
    controls: DRILL_CONTROLS,
  });
  return { outcome, record };
}
