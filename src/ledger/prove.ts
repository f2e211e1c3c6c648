/**
 * Inclusion proofs of records and seals in the Merkle log, made against a signed checkpoint, and
 * their offline check: what `audit prove` prints and what an export bundle carries.
 */
import type { KeyObject } from 'node:crypto';
import type { InclusionProof } from '../domain/ledger-log.js';
import { openCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import type { Ledger } from './ledger.js';
import { leafText, recordLeaf } from './log-state.js';
import { prefixRoots, scanLog, type ScannedLog } from './log-verify.js';
import { inclusionProof, leafHash, verifyInclusion } from './merkle.js';

export class ProofError extends Error {
  override name = 'ProofError';
}

/** The newest stored checkpoint signed by the key that still matches the log, or why there is none. */
export function newestCheckpoint(
  log: ScannedLog,
  notes: readonly string[],
  publicKey: KeyObject,
): SignedCheckpoint {
  const roots = new Map<number, Buffer>();
  const opened: SignedCheckpoint[] = [];
  for (const note of notes) {
    try {
      opened.push(openCheckpoint(note, publicKey));
    } catch {
      // Not by the trusted key: never a checkpoint to prove against.
    }
  }
  for (const [size, root] of prefixRoots(
    log.hashes,
    opened.map((c) => c.size),
  ))
    roots.set(size, root);
  const good = opened.filter((c) => roots.get(c.size)?.equals(c.root)).sort((a, b) => b.size - a.size)[0];
  if (!good)
    throw new ProofError(
      'the log has no checkpoint signed by the trusted ledger key that matches it; run `tollgate audit verify` to see why',
    );
  return good;
}

export function proofAt(log: ScannedLog, leafIndex: number, treeSize: number, leaf: string): InclusionProof {
  return {
    leafIndex,
    treeSize,
    leaf,
    hashes: inclusionProof(log.hashes, leafIndex, treeSize).map((h) => h.toString('base64')),
  };
}

/** Proves record `chainId#seq` against `checkpoint` (default: the newest stored one). */
export async function proveRecord(
  ledger: Ledger,
  ref: { chainId: string; seq: number },
  opts: { publicKey: KeyObject; checkpoint?: string },
): Promise<{ checkpoint: SignedCheckpoint; proof: InclusionProof }> {
  const log = scanLog(await ledger.readLog());
  const checkpoint = opts.checkpoint
    ? openCheckpoint(opts.checkpoint, opts.publicKey)
    : newestCheckpoint(log, await ledger.readCheckpoints(), opts.publicKey);
  const chain = log.chains.get(ref.chainId);
  const leafIndex = chain?.leaves[ref.seq];
  if (leafIndex === undefined)
    throw new ProofError(
      `${ref.chainId}#${ref.seq} is not in the log (${chain ? `the log holds #0..#${chain.leaves.length - 1} of that chain` : 'no record of that chain is logged'})`,
    );
  if (leafIndex >= checkpoint.size)
    throw new ProofError(
      `${ref.chainId}#${ref.seq} is leaf #${leafIndex}, after the checkpoint's ${checkpoint.size} leaves; prove it against a later checkpoint`,
    );
  const record = (await ledger.read(ref.chainId))[ref.seq];
  const leaf = leafText(recordLeaf({ chainId: ref.chainId, seq: ref.seq, hash: chain!.hashes[ref.seq]! }));
  if (record && record.hash !== chain!.hashes[ref.seq])
    throw new ProofError(
      `${ref.chainId}#${ref.seq} in the chain is not the record the log holds (run audit verify)`,
    );
  const proof = proofAt(log, leafIndex, checkpoint.size, leaf);
  checkInclusion(proof, checkpoint);
  return { checkpoint, proof };
}

/** Throws a ProofError saying why `proof` does not show its leaf in the tree `checkpoint` signs. */
export function checkInclusion(proof: InclusionProof, checkpoint: { size: number; root: Buffer }): void {
  if (proof.treeSize !== checkpoint.size)
    throw new ProofError(
      `the proof is for a tree of ${proof.treeSize} leaves, the checkpoint signs ${checkpoint.size} (a proof for another tree)`,
    );
  const ok = verifyInclusion(
    proof.leafIndex,
    proof.treeSize,
    leafHash(proof.leaf),
    proof.hashes.map((h) => Buffer.from(h, 'base64')),
    checkpoint.root,
  );
  if (!ok)
    throw new ProofError(
      `leaf #${proof.leafIndex} with this proof does not hash to the checkpoint's root (a proof for another tree, or an edited leaf)`,
    );
}
