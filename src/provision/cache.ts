import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { withDirLock } from './lock.js';

export interface CachedToolOptions {
  /** The cache directory the tool lives in. */
  dir: string;
  /** What fills the cache (a version pin): a different stamp means the cache is stale. */
  stamp: string;
  /** Stamps written by older pins that are still good enough to use. */
  acceptStamps?: string[];
  /** Told when another process is already filling the same cache. */
  onWait: () => void;
  /** Fills `dir` (it exists and is empty of a stamp); throws a ProvisioningError on failure. */
  fill: (dir: string) => Promise<void>;
}

const STAMP = '.stamp';

/** Whether `dir` holds a cache filled for `stamp` (or one of `acceptStamps`). */
export async function isCached(dir: string, stamp: string, acceptStamps: string[] = []): Promise<boolean> {
  const found = (await readFile(path.join(dir, STAMP), 'utf8').catch(() => '')).trim();
  return found === stamp || acceptStamps.includes(found);
}

/**
 * Fills a project-local cache directory once, under a lock, so parallel test processes never
 * fetch the same tool twice. The stamp is written last: a fill interrupted half-way is redone.
 */
export async function ensureCached(opts: CachedToolOptions): Promise<void> {
  if (await isCached(opts.dir, opts.stamp, opts.acceptStamps)) return;
  await mkdir(opts.dir, { recursive: true });
  await withDirLock(path.join(opts.dir, '.fill.lock'), opts.onWait, async () => {
    if (await isCached(opts.dir, opts.stamp, opts.acceptStamps)) return;
    await opts.fill(opts.dir);
    await writeFile(path.join(opts.dir, STAMP), `${opts.stamp}\n`);
  });
}
