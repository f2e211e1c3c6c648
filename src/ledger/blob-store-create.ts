import path from 'node:path';
import type { z } from 'zod';
import type { LedgerConfig } from '../config/schema.js';
import type { EvidenceBlobStore } from './blob-store.js';
import { openFileBlobStore } from './blob-store-file.js';
import { openPostgresBlobStore } from './blob-store-postgres.js';

/** The blob store next to the ledger config names (same directory or database). */
export async function openBlobStore(
  config: z.output<typeof LedgerConfig>,
  opts: { baseDir?: string } = {},
): Promise<EvidenceBlobStore> {
  if (config.type === 'postgres') return openPostgresBlobStore(config.connectionString);
  return openFileBlobStore(path.resolve(opts.baseDir ?? process.cwd(), config.path));
}
