import type { EvidenceInput, EvidenceRecord } from '../domain/evidence.js';
import type { Logger } from '../logging/logger.js';
import type { StoredCheckpoint } from './log-state.js';
import type { LedgerSigner } from './seal.js';

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

/** One archived artifact in the ledger's archive index. */
export interface ArtifactEntry {
  promotionId: string;
  name: string;
  sha256: string;
  size: number;
  storedAt: string;
  /** Ledger key attestation over { promotionId, name, sha256 }, when a signing key is configured. */
  keyId?: string;
  signature?: string;
}

export interface LedgerOptions {
  logger: Logger;
  /** The ledger key: with it the store signs checkpoints of its Merkle log. */
  signer?: LedgerSigner;
  /** Never write (no lock files, no repairs): what verification and listing open. */
  readOnly?: boolean;
}

/** A partial last line found by a reader: an interrupted append that the next writer cuts and records. */
export interface TornTail {
  where: string;
  bytes: number;
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
  /**
   * The chain's last record and its length (the next sequence number), without reading the rest:
   * for chains consulted on every operation, such as a stage's lock chain.
   */
  head(chainId: string): Promise<{ record?: EvidenceRecord; length: number }>;
  /**
   * The stored text of each record, exactly as stored, in sequence order: what verification
   * checks, so a changed byte is seen even where parsing would hide it.
   */
  readRaw(chainId: string): Promise<string[]>;
  listChains(): Promise<ChainSummary[]>;
  /**
   * Stores a chain's seal. The seal must match the stored record at its sequence number; the
   * same seal again is a no-op, a seal never moves backwards (LedgerConflictError).
   */
  seal(seal: ChainSeal): Promise<void>;
  getSeal(chainId: string): Promise<ChainSeal | undefined>;
  /** Stores an archived artifact of a promotion (its exported history) and returns its sha256. */
  putArtifact(
    promotionId: string,
    name: string,
    content: Buffer,
    attestation?: { keyId: string; signature: string },
  ): Promise<string>;
  getArtifact(promotionId: string, name: string): Promise<Buffer | undefined>;
  /**
   * The Merkle log over every record and seal of every chain: each leaf's stored text (RFC 8785
   * JSON of a LogLeaf), in log order.
   */
  readLog(): Promise<string[]>;
  /** The signed checkpoints of the log (C2SP signed notes), in the order they were issued. */
  readCheckpoints(): Promise<string[]>;
  /** Issues a checkpoint of the log now, if a signer was given and the log grew since the last one. */
  checkpoint(): Promise<StoredCheckpoint | undefined>;
  /** Partial last lines the reads so far came across (file store only). */
  tornTails(): TornTail[];
  /** The archive index: every stored artifact with its sha256 (of one promotion, or all). */
  listArtifacts(promotionId?: string): Promise<ArtifactEntry[]>;
  close(): Promise<void>;
}

export class LedgerConflictError extends Error {
  override name = 'LedgerConflictError';
}

/** Stored data that cannot be read back as written (a corrupt line, a missing file). */
export class LedgerIntegrityError extends Error {
  override name = 'LedgerIntegrityError';
}
