import { z } from 'zod';

/**
 * `backup.json`, the table of contents of a ledger backup directory (`tollgate ledger backup`):
 * every chain with its length, head hash and seal, every archived artifact with its sha256.
 * The chains' records are stored beside it exactly as the ledger stored them, one per line.
 */
export const LedgerBackupManifest = z.object({
  format: z.literal('tollgate-ledger-backup/v1'),
  createdAt: z.iso.datetime({ offset: true }),
  /** The kind of store the backup was taken from. */
  source: z.enum(['file', 'postgres']),
  chains: z.array(
    z.object({
      chainId: z.string().min(1),
      file: z.string().regex(/^chains\/[0-9]{6}\.jsonl$/),
      length: z.number().int().nonnegative(),
      headHash: z.string(),
      seal: z
        .object({
          chainId: z.string(),
          seq: z.number().int().nonnegative(),
          headHash: z.string(),
          keyId: z.string(),
          signature: z.string(),
          sealedAt: z.string(),
        })
        .optional(),
    }),
  ),
  artifacts: z.array(
    z.object({
      promotionId: z.string().min(1),
      name: z.string().min(1),
      file: z.string().regex(/^artifacts\/[0-9]{6}$/),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      keyId: z.string().optional(),
      signature: z.string().optional(),
    }),
  ),
});
export type LedgerBackupManifest = z.infer<typeof LedgerBackupManifest>;
