/**
 * `audit verify`: recomputes every chain (or one), checks seals against the trusted ledger key,
 * checks the Merkle log (its leaves, its signed checkpoints, consistency with the checkpoint the
 * auditor trusted before) and that it holds exactly the chains and seals the store holds, and
 * checks every archived history against the archive index and its attestation. It only reads:
 * the store is opened read-only and a torn last line is reported, not repaired.
 */
import type { KeyObject } from 'node:crypto';
import type { ChainSeal, Ledger, TornTail } from '../ledger/ledger.js';
import { checkChainAgainstLog, missingChains } from '../ledger/log-cross-check.js';
import {
  scanLog,
  scanLogInTurns,
  verifyLog,
  type BadLeaf,
  type LogVerification,
} from '../ledger/log-verify.js';
import { sha256Hex } from '../ledger/record.js';
import { checkArtifactAttestation } from '../ledger/seal.js';
import { type BadRecord, type ChainVerification } from '../ledger/verify.js';
import { checkLongChain } from '../ledger/verify-threads.js';

export interface ArtifactVerification {
  promotionId: string;
  name: string;
  ok: boolean;
  problems: string[];
}

export interface LedgerVerification {
  ok: boolean;
  chains: ChainVerification[];
  artifacts: ArtifactVerification[];
  /** The first bad record of the first failing chain. */
  firstBad?: BadRecord;
  /** The Merkle log: absent when verifying a bundle's slice of the ledger (its proofs are checked instead). */
  log?: LogVerification;
  /** Chains the log holds that the store does not. */
  missingChains: string[];
  /** Partial last lines (interrupted appends the next writer repairs): reported, not a failure. */
  tornTails: TornTail[];
}

export interface VerifyOptions {
  /** Only this promotion (its chain, its security chain and its archives). */
  promotionId?: string;
  /** The trusted ledger public key; without it seals and checkpoints are reported as unchecked. */
  publicKey?: KeyObject;
  /** A checkpoint note the auditor trusted before: the log must be an append-only extension of it. */
  since?: string;
  /** false: the store holds a slice of a ledger (an export bundle) without its log. */
  log?: boolean;
}

const ofPromotion = (chainId: string, promotionId: string) =>
  chainId === promotionId || chainId === `security:${promotionId}`;

export async function verifyLedger(ledger: Ledger, opts: VerifyOptions = {}): Promise<LedgerVerification> {
  const withLog = opts.log ?? true;
  // The log is read first: every record it names was written before its leaf, so the chains read
  // next hold it; a record appended meanwhile is at most reported as not yet logged. It is
  // scanned while the first chain is read and checked (its threads leave this one idle).
  const leaves = withLog ? await ledger.readLog() : undefined;
  const notes = withLog ? await ledger.readCheckpoints() : [];
  const scanning = leaves ? scanLogInTurns(leaves) : undefined;
  const all = await ledger.listChains();
  const chainIds = opts.promotionId
    ? all
        .filter((c) => c.promotionId === opts.promotionId || c.chainId === opts.promotionId)
        .map((c) => c.chainId)
    : all.map((c) => c.chainId);

  const chains: ChainVerification[] = [];
  const badLeaves: BadLeaf[] = [];
  /** Chains with records the log read first did not hold yet: perhaps appended while verifying. */
  const ahead: Array<{
    verification: ChainVerification;
    hashes: string[];
    seal?: ChainSeal;
    problems: string[];
  }> = [];
  for (const chainId of chainIds) {
    const raw = await ledger.readRaw(chainId);
    const seal = await ledger.getSeal(chainId);
    const { verification, claimed: hashes } = await checkLongChain(chainId, raw, seal, {
      publicKey: opts.publicKey,
      requireSeal: Boolean(opts.publicKey),
    });
    const scanned = await scanning;
    if (scanned) {
      const logged = scanned.chains.get(chainId);
      const cross = checkChainAgainstLog(chainId, hashes, seal, logged);
      if (cross.problems.length > 0) {
        verification.problems.push(...cross.problems);
        verification.ok = false;
        if (hashes.length > (logged?.hashes.length ?? 0))
          ahead.push({ verification, hashes, ...(seal ? { seal } : {}), problems: cross.problems });
      }
      if (cross.badLeaf) badLeaves.push(cross.badLeaf);
    }
    chains.push(verification);
  }
  const scanned = await scanning;
  const gone = scanned
    ? missingChains(scanned.chains, new Set(all.map((c) => c.chainId))).filter(
        (m) => !opts.promotionId || ofPromotion(m.chainId, opts.promotionId),
      )
    : [];
  if (opts.promotionId && chainIds.length === 0 && gone.length === 0)
    throw new Error(`no evidence for promotion ${opts.promotionId} in the ledger`);
  badLeaves.push(...gone.map((m) => m.badLeaf));
  if (ahead.length > 0) {
    // A writer logs a record right after writing it: a log read now holds what was in flight.
    const later = scanLog(await ledger.readLog());
    for (const a of ahead) {
      const chainId = a.verification.chainId;
      if (checkChainAgainstLog(chainId, a.hashes, a.seal, later.chains.get(chainId)).problems.length > 0)
        continue;
      a.verification.problems = a.verification.problems.filter((p) => !a.problems.includes(p));
      a.verification.ok = a.verification.problems.length === 0;
    }
  }

  const artifacts: ArtifactVerification[] = [];
  for (const entry of await ledger.listArtifacts(opts.promotionId)) {
    const problems: string[] = [];
    const content = await ledger.getArtifact(entry.promotionId, entry.name);
    if (!content) problems.push('listed in the archive index but missing from storage');
    else if (sha256Hex(content) !== entry.sha256)
      problems.push(`content sha256 ${sha256Hex(content)} differs from the archive index (${entry.sha256})`);
    const attestationProblem = opts.publicKey ? checkArtifactAttestation(entry, opts.publicKey) : undefined;
    if (attestationProblem) problems.push(attestationProblem);
    artifacts.push({ promotionId: entry.promotionId, name: entry.name, ok: problems.length === 0, problems });
  }

  let log: LogVerification | undefined;
  if (scanned) {
    log = verifyLog(scanned, notes, { publicKey: opts.publicKey, since: opts.since }, badLeaves);
    for (const m of gone) log.problems.push(m.problem);
    log.ok = log.problems.length === 0;
  }

  const firstBad = chains.find((c) => c.firstBad)?.firstBad;
  return {
    ok: chains.every((c) => c.ok) && artifacts.every((a) => a.ok) && (log?.ok ?? true),
    chains,
    artifacts,
    ...(firstBad ? { firstBad } : {}),
    ...(log ? { log } : {}),
    missingChains: gone.map((m) => m.chainId),
    tornTails: ledger.tornTails(),
  };
}
