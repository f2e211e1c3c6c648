import path from 'node:path';
import type { z } from 'zod';
import type { LedgerConfig } from '../config/schema.js';
import type { Ledger, LedgerOptions } from './ledger.js';
import { openFileLedger } from './file-store.js';
import { openPostgresLedger } from './postgres-store.js';

/**
 * Opens the ledger config names; a relative file-store path is resolved against `baseDir`
 * (default: cwd). With `signer` the store signs checkpoints; `readOnly` never writes.
 */
export async function createLedger(
  config: z.output<typeof LedgerConfig>,
  opts: LedgerOptions & { baseDir?: string },
): Promise<Ledger> {
  const { baseDir, logger, ...rest } = opts;
  if (config.type === 'postgres') return openPostgresLedger(config.connectionString, logger, rest);
  return openFileLedger(path.resolve(baseDir ?? process.cwd(), config.path), logger, rest);
}
