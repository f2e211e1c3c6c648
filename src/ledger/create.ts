import path from 'node:path';
import type { z } from 'zod';
import type { LedgerConfig } from '../config/schema.js';
import type { Logger } from '../logging/logger.js';
import type { Ledger } from './ledger.js';
import { openFileLedger } from './file-store.js';
import { openPostgresLedger } from './postgres-store.js';

/** Opens the ledger config names; a relative file-store path is resolved against `baseDir` (default: cwd). */
export async function createLedger(
  config: z.output<typeof LedgerConfig>,
  opts: { baseDir?: string; logger: Logger },
): Promise<Ledger> {
  if (config.type === 'postgres') return openPostgresLedger(config.connectionString, opts.logger);
  return openFileLedger(path.resolve(opts.baseDir ?? process.cwd(), config.path), opts.logger);
}
