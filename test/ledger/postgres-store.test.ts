import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { createLedger } from '../../src/ledger/create.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createLogger } from '../../src/logging/logger.js';
import { startPostgres } from '../helpers/postgres.js';
import type { EvidenceRecord } from '../../src/domain/evidence.js';
import { ledgerSuite, suiteSigner } from './ledger-suite.js';
import { promotionChain } from './samples.js';

const postgres = await startPostgres();
after(() => postgres.stop());
const logger = createLogger({ level: 'warn', pretty: false });
let counter = 0;

const open = (connectionString: string, readOnly = false): Promise<Ledger> =>
  createLedger({ type: 'postgres', connectionString }, { logger, signer: suiteSigner, readOnly });

/** Runs statements as someone with write access to the database would. */
async function asAdmin(connectionString: string, fn: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

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
    reopen: (readOnly) => open(connectionString, readOnly),
    replaceChain: (chainId, texts) =>
      asAdmin(connectionString, async (client) => {
        await client.query('DELETE FROM tollgate_evidence WHERE chain_id = $1', [chainId]);
        for (const [seq, text] of (texts ?? []).entries()) {
          const r = JSON.parse(text) as EvidenceRecord;
          await client.query(
            'INSERT INTO tollgate_evidence (chain_id, seq, promotion_id, type, time, hash, record) VALUES ($1, $2, $3, $4, $5, $6, $7)',
            [chainId, seq, r.promotionId, r.type, r.time, r.hash, text],
          );
        }
      }),
    deleteSeal: (chainId) =>
      asAdmin(connectionString, async (client) => {
        await client.query('DELETE FROM tollgate_seals WHERE chain_id = $1', [chainId]);
      }),
    tamperLeaf: (index, mutate) =>
      asAdmin(connectionString, async (client) => {
        const { rows } = await client.query<{ idx: string; leaf: string }>(
          'SELECT idx, leaf FROM tollgate_log ORDER BY idx OFFSET $1 LIMIT 1',
          [index],
        );
        const replacement = mutate(Buffer.from(rows[0]!.leaf, 'utf8'));
        if (replacement.length === 0)
          await client.query('DELETE FROM tollgate_log WHERE idx = $1', [rows[0]!.idx]);
        else
          await client.query('UPDATE tollgate_log SET leaf = $2 WHERE idx = $1', [
            rows[0]!.idx,
            replacement.toString('utf8'),
          ]);
      }),
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
