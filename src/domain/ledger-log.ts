import { z } from 'zod';

const Hash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest');
const ChainId = z.string().min(1);
const Seq = z.number().int().nonnegative();

/**
 * One leaf of the ledger's Merkle log, stored as its RFC 8785 canonical JSON text (the bytes
 * that are leaf-hashed). Every record and every seal of every chain gets a leaf, in append order;
 * a writer that repairs a crash records what it repaired.
 */
export const LogLeaf = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('record'), chainId: ChainId, seq: Seq, hash: Hash }).strict(),
  z
    .object({ kind: z.literal('seal'), chainId: ChainId, seq: Seq, headHash: Hash, signature: z.string() })
    .strict(),
  z
    .object({
      kind: z.literal('recovery'),
      chainId: ChainId,
      /** torn-tail: a partial last line was cut; late: records or a seal written before a crash were logged. */
      event: z.enum(['torn-tail', 'late']),
      detail: z.string(),
      time: z.string(),
    })
    .strict(),
]);
export type LogLeaf = z.infer<typeof LogLeaf>;

/**
 * An RFC 9162 inclusion proof of one leaf in the tree a checkpoint signs: what `audit prove`
 * prints and what an export bundle carries for each of its records and seals.
 */
export const InclusionProof = z
  .object({
    leafIndex: z.number().int().nonnegative(),
    treeSize: z.number().int().positive(),
    /** The leaf's stored text (its hash is SHA-256(0x00 || text)). */
    leaf: z.string(),
    /** The audit path, base64, bottom up. */
    hashes: z.array(z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be a base64 SHA-256 hash')),
  })
  .strict();
export type InclusionProof = z.infer<typeof InclusionProof>;
