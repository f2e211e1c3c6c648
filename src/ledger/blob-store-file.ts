/** Evidence blobs as files under the file ledger's directory: `blobs/sha256/<hex>`. */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { blobDigest, checked, digestHex, type EvidenceBlobStore } from './blob-store.js';

export function blobsDir(ledgerDir: string): string {
  return path.join(ledgerDir, 'blobs', 'sha256');
}

export function openFileBlobStore(ledgerDir: string): EvidenceBlobStore {
  const dir = blobsDir(ledgerDir);
  const fileOf = (digest: string) => path.join(dir, digestHex(digest));
  return {
    async put(content) {
      const digest = blobDigest(content);
      await mkdir(dir, { recursive: true });
      // Written aside and renamed, so a reader never sees a half-written blob under its name.
      const tmp = `${fileOf(digest)}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, content);
      await rename(tmp, fileOf(digest));
      return digest;
    },
    async get(digest) {
      const file = fileOf(digest);
      try {
        return checked(digest, await readFile(file), file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    close: () => Promise.resolve(),
  };
}
