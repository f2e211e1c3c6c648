/**
 * Evidence stored by content: every evidence file a promotion relies on is kept in the ledger's
 * storage under its sha256, so any worker on any machine, and later an auditor, reads the same
 * bytes the release digest covers. Kept apart from the hash-chained records: a blob is immutable
 * by construction (its name is its hash), and readers check that hash on every read.
 */
import { createHash } from 'node:crypto';

export interface EvidenceBlobStore {
  /** Stores the bytes (idempotent) and returns `sha256:<hex>`. */
  put(content: Buffer): Promise<string>;
  /**
   * The bytes stored under `sha256:<hex>`, or undefined when none are. Throws
   * BlobIntegrityError when the stored bytes no longer hash to their name.
   */
  get(digest: string): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

export class BlobIntegrityError extends Error {
  override name = 'BlobIntegrityError';
}

const DIGEST = /^sha256:([0-9a-f]{64})$/;

export function blobDigest(content: Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/** The hex of a `sha256:<hex>` digest; anything else is refused before it reaches storage. */
export function digestHex(digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m?.[1]) throw new Error(`not a blob digest: ${digest} (expected sha256:<64 lowercase hex>)`);
  return m[1];
}

export function checked(digest: string, content: Buffer, where: string): Buffer {
  if (blobDigest(content) !== digest)
    throw new BlobIntegrityError(`${where}: the stored bytes do not hash to ${digest} (damaged or edited)`);
  return content;
}
