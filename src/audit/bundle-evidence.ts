/**
 * The evidence bytes of exported promotions: every digest a promotion's release recorded
 * (`evidence.digests` in its `promotion.started` record) is copied from the blob store into the
 * bundle under `ledger/blobs/sha256/<hex>` — the file blob store's layout — so an auditor opens
 * the bundle's `ledger/` as a blob store and re-evaluates the policy offline on the same bytes.
 */
import path from 'node:path';
import { Release } from '../domain/release.js';
import { digestHex, type EvidenceBlobStore } from '../ledger/blob-store.js';
import { blobsDir } from '../ledger/blob-store-file.js';
import type { Ledger } from '../ledger/ledger.js';

/** The release a promotion started with, as its ledger recorded it. */
export async function recordedRelease(ledger: Ledger, promotionId: string): Promise<Release | undefined> {
  const started = (await ledger.read(promotionId)).find((r) => r.type === 'promotion.started');
  const parsed = Release.safeParse(started?.data.release);
  return parsed.success ? parsed.data : undefined;
}

/** Relative path in the bundle → bytes, for each evidence blob of the promotion. */
export async function evidenceBlobs(
  ledger: Ledger,
  blobs: Pick<EvidenceBlobStore, 'get'>,
  promotionId: string,
  ledgerDir: string,
): Promise<{ file: string; content: Buffer }[]> {
  const release = await recordedRelease(ledger, promotionId);
  const digests = [...new Set(Object.values(release?.evidence.digests ?? {}))];
  const found: { file: string; content: Buffer }[] = [];
  for (const digest of digests) {
    const content = await blobs.get(digest);
    if (content) found.push({ file: path.join(blobsDir(ledgerDir), digestHex(digest)), content });
  }
  return found;
}
