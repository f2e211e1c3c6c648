import type { EvidenceInput, EvidenceRecord } from '../domain/evidence.js';

/** A signature over a chain's head, made when a promotion ends. */
export interface ChainSeal {
  chainId: string;
  seq: number;
  headHash: string;
  keyId: string;
  signature: string;
  sealedAt: string;
}

export interface ChainSummary {
  chainId: string;
  promotionId: string;
  length: number;
  headHash: string;
  firstTime: string;
  lastTime: string;
  sealed: boolean;
}

/**
 * The append-only, hash-chained evidence store. One chain per promotion (chainId = promotion
 * id) plus `security:<promotionId>` chains for refused requests seen outside the workflow.
 */
export interface Ledger {
  /**
   * Appends at (chainId, seq). Idempotent: the same record again returns the stored one; a
   * different record under an existing key, or a gap in the sequence, throws LedgerConflictError.
   */
  append(input: EvidenceInput): Promise<EvidenceRecord>;
  /** Appends at the chain's next sequence number (for producers outside the workflow). */
  appendNext(input: Omit<EvidenceInput, 'seq'>): Promise<EvidenceRecord>;
  read(chainId: string): Promise<EvidenceRecord[]>;
  listChains(): Promise<ChainSummary[]>;
  seal(seal: ChainSeal): Promise<void>;
  getSeal(chainId: string): Promise<ChainSeal | undefined>;
  /** Stores an archived artifact of a promotion (its exported history) and returns its sha256. */
  putArtifact(promotionId: string, name: string, content: Buffer): Promise<string>;
  getArtifact(promotionId: string, name: string): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

export class LedgerConflictError extends Error {
  override name = 'LedgerConflictError';
}
