import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { createLedger } from '../../src/ledger/create.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createLogger } from '../../src/logging/logger.js';
import { startPostgres } from '../helpers/postgres.js';
import { ledgerSuite } from './ledger-suite.js';
import { promotionChain } from './samples.js';

const postgres = await startPostgres();
after(() => postgres.stop());
const logger = createLogger({ level: 'warn', pretty: false });
let counter = 0;

const open = (connectionString: string): Promise<Ledger> =>
  createLedger({ type: 'postgres', connectionString }, { logger });

ledgerSuite(async () => {
  const connectionString = await postgres.createDatabase(`suite_${counter++}`);
  const ledger = await open(connectionString);
  const tamper = async (chainId: string, seq: number, mutate: (stored: Buffer) => Buffer) => {
    const client = new pg.Client({ connectionString });
    await client.connect();
    try {
      const { rows } = await client.query<{ record: string }>(
        'SELECT record FROM tollgate_evidence WHERE chain_id = $1 AND seq = $2',
        [chainId, seq],
      );
      const replacement = mutate(Buffer.from(rows[0]!.record, 'utf8'));
      if (replacement.length === 0)
        await client.query('DELETE FROM tollgate_evidence WHERE chain_id = $1 AND seq = $2', [chainId, seq]);
      else
        await client.query('UPDATE tollgate_evidence SET record = $3 WHERE chain_id = $1 AND seq = $2', [
          chainId,
          seq,
          replacement.toString('utf8'),
        ]);
    } finally {
      await client.end();
    }
  };
  return {
    ledger,
    config: { type: 'postgres', connectionString },
    tamper,
    reopen: () => open(connectionString),
  };
});

void test('the schema is created once even when several workers start at the same time', async () => {
  const connectionString = await postgres.createDatabase('concurrent_start');
  const ledgers = await Promise.all(Array.from({ length: 4 }, () => open(connectionString)));
  await ledgers[0]!.append(promotionChain('p-start', 'approved')[0]!);
  assert.equal((await ledgers[3]!.read('p-start')).length, 1);
  await Promise.all(ledgers.map((l) => l.close()));
});

void test('an unreachable server is a clear error naming the setting to fix', async () => {
  await assert.rejects(
    open('postgresql://postgres@127.0.0.1:1/none'),
    /cannot open the PostgreSQL ledger: .*ledger\.connectionString/,
  );
});
