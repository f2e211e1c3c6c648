/**
 * `audit verify`: recomputes every chain (or one), checks seals against the trusted ledger key,
 * and checks every archived history against the archive index and its attestation.
 */
import type { KeyObject } from 'node:crypto';
import type { Ledger } from '../ledger/ledger.js';
import { sha256Hex } from '../ledger/record.js';
import { checkArtifactAttestation } from '../ledger/seal.js';
import { type BadRecord, type ChainVerification } from '../ledger/verify.js';
import { verifyLongChain } from '../ledger/verify-threads.js';

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
}

export interface VerifyOptions {
  /** Only this promotion (its chain, its security chain and its archives). */
  promotionId?: string;
  /** The trusted ledger public key; without it seals are reported as unchecked. */
  publicKey?: KeyObject;
}

export async function verifyLedger(ledger: Ledger, opts: VerifyOptions = {}): Promise<LedgerVerification> {
  const all = await ledger.listChains();
  const chainIds = opts.promotionId
    ? all
        .filter((c) => c.promotionId === opts.promotionId || c.chainId === opts.promotionId)
        .map((c) => c.chainId)
    : all.map((c) => c.chainId);
  if (opts.promotionId && chainIds.length === 0)
    throw new Error(`no evidence for promotion ${opts.promotionId} in the ledger`);

  const chains: ChainVerification[] = [];
  for (const chainId of chainIds) {
    chains.push(
      await verifyLongChain(chainId, await ledger.readRaw(chainId), await ledger.getSeal(chainId), {
        publicKey: opts.publicKey,
        requireSeal: Boolean(opts.publicKey),
      }),
    );
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

  const firstBad = chains.find((c) => c.firstBad)?.firstBad;
  return {
    ok: chains.every((c) => c.ok) && artifacts.every((a) => a.ok),
    chains,
    artifacts,
    ...(firstBad ? { firstBad } : {}),
  };
}
