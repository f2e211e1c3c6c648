/**
 * What a ledger writer knows of the Merkle log: its size, the right edge of its tree (to sign a
 * checkpoint without reading the log again), how many records of each chain and which seal the
 * log holds (to log what a crash left unlogged), and when the last checkpoint was issued. Both
 * stores feed it every leaf in log order, their own and other processes' alike.
 */
import { canonicalJson } from '../domain/canonical.js';
import type { EvidenceRecord } from '../domain/evidence.js';
import type { LogLeaf } from '../domain/ledger-log.js';
import { signCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import type { ChainSeal } from './ledger.js';
import { leafHash, TreeFrontier } from './merkle.js';
import type { LedgerSigner } from './seal.js';

/** A checkpoint is issued after this many leaves, or this long after the last one, and at every seal. */
export const CHECKPOINT_EVERY_LEAVES = 1000;
export const CHECKPOINT_EVERY_MS = 60_000;

export function leafText(leaf: LogLeaf): string {
  return canonicalJson(leaf)!;
}

export function recordLeaf(record: Pick<EvidenceRecord, 'chainId' | 'seq' | 'hash'>): LogLeaf {
  return { kind: 'record', chainId: record.chainId, seq: record.seq, hash: record.hash };
}

export function sealLeaf(seal: ChainSeal): LogLeaf {
  return {
    kind: 'seal',
    chainId: seal.chainId,
    seq: seal.seq,
    headHash: seal.headHash,
    signature: seal.signature,
  };
}

export function recoveryLeaf(chainId: string, event: 'torn-tail' | 'late', detail: string): LogLeaf {
  return { kind: 'recovery', chainId, event, detail, time: new Date().toISOString() };
}

/** A stored checkpoint: the signed note plus when it was issued (for the writers' schedule only). */
export interface StoredCheckpoint {
  size: number;
  issuedAt: string;
  note: string;
}

export class LogState {
  readonly frontier = new TreeFrontier();
  private readonly records = new Map<string, number>();
  private readonly seals = new Map<string, number>();
  private checkpointSize = 0;
  private checkpointAt = 0;

  get size(): number {
    return this.frontier.size;
  }

  /** Takes the next leaf of the log. A leaf that does not parse still counts for the tree. */
  add(text: string): void {
    this.frontier.push(leafHash(text));
    let leaf: Partial<LogLeaf>;
    try {
      leaf = JSON.parse(text) as Partial<LogLeaf>;
    } catch {
      return;
    }
    if (leaf.kind === 'record' && typeof leaf.chainId === 'string' && typeof leaf.seq === 'number')
      this.records.set(leaf.chainId, Math.max(this.logged(leaf.chainId), leaf.seq + 1));
    if (leaf.kind === 'seal' && typeof leaf.chainId === 'string' && typeof leaf.seq === 'number')
      this.seals.set(leaf.chainId, leaf.seq);
  }

  noteCheckpoint(c: { size: number; issuedAt: string }): void {
    if (c.size < this.checkpointSize) return;
    this.checkpointSize = c.size;
    this.checkpointAt = Date.parse(c.issuedAt);
  }

  /** How many records of the chain (from #0 on) the log holds. */
  logged(chainId: string): number {
    return this.records.get(chainId) ?? 0;
  }

  /** The sequence number the chain's last logged seal covers. */
  sealLogged(chainId: string): number | undefined {
    return this.seals.get(chainId);
  }

  /**
   * A signed checkpoint of the log as it is now, when one is due (or `force`d) and a signer is
   * given; the caller stores it and then calls `noteCheckpoint`.
   */
  checkpointIfDue(
    signer: LedgerSigner | undefined,
    force: boolean,
    now = Date.now(),
  ): StoredCheckpoint | undefined {
    if (!signer || this.size === 0 || this.size === this.checkpointSize) return undefined;
    const due =
      force ||
      this.size - this.checkpointSize >= CHECKPOINT_EVERY_LEAVES ||
      now - this.checkpointAt >= CHECKPOINT_EVERY_MS;
    if (!due) return undefined;
    const signed: SignedCheckpoint = signCheckpoint(signer, this.size, this.frontier.root());
    return { size: signed.size, issuedAt: new Date(now).toISOString(), note: signed.note };
  }
}
