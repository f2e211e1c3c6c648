/**
 * The PostgreSQL ledger, for teams running several workers. Each record is kept as the exact
 * JSON text that was hashed (plus columns to query by), so verification sees the stored bytes.
 * Appends to one chain are serialized by a transaction-scoped advisory lock on the chain id;
 * the unique (chain_id, seq) key is the last line of defence against a fork. Each record and
 * seal is logged in the Merkle log (postgres-log.ts) in the same transaction; appends made while
 * one transaction commits are committed together by the next (group-commit.ts).
 */
import pg from 'pg';
import type { EvidenceInput, EvidenceRecord } from '../domain/evidence.js';
import type { Logger } from '../logging/logger.js';
import {
  LedgerConflictError,
  LedgerIntegrityError,
  type ArtifactEntry,
  type ChainSeal,
  type ChainSummary,
  type Ledger,
  type LedgerOptions,
  type TornTail,
} from './ledger.js';
import { recordLeaf, sealLeaf, type StoredCheckpoint } from './log-state.js';
import { PostgresLog } from './postgres-log.js';
import { MIGRATION_LOCK, MIGRATIONS } from './postgres-schema.js';
import { byChain, GroupCommit, planChain, type PendingAppend, type Settled } from './group-commit.js';
import { GENESIS_HASH, normalizeInput, sha256Hex } from './record.js';

type Queryable = Pick<pg.PoolClient, 'query'>;

function parseStored<T>(chainId: string, seq: number, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new LedgerIntegrityError(
      `tollgate_evidence ${chainId}#${seq}: not valid JSON (the stored record is damaged or was edited)`,
    );
  }
}

export class PostgresLedger implements Ledger {
  private readonly log: PostgresLog;
  private readonly appends = new GroupCommit<PendingAppend, EvidenceRecord>((items) =>
    this.commitAppends(items),
  );

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
    signer?: LedgerOptions['signer'],
  ) {
    this.log = new PostgresLog(signer);
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        for (const statement of MIGRATIONS) await client.query(statement);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  /** The chains' advisory locks in one round trip, taken in the order given (chain id order, as every process takes them). */
  private async lockChains(db: Queryable, chainIds: string[]): Promise<void> {
    await db.query(
      `SELECT pg_advisory_xact_lock(hashtextextended(id, 0))
         FROM (SELECT id FROM unnest($1::text[]) WITH ORDINALITY AS t(id, i) ORDER BY i) AS ordered`,
      [chainIds],
    );
  }

  private async inTransaction<T>(fn: (db: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      // Leaves this transaction added to the in-memory log state were never committed.
      this.log.reset();
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Each chain's length and head hash, in one round trip. */
  private async heads(
    db: Queryable,
    chainIds: string[],
  ): Promise<Map<string, { length: number; hash: string }>> {
    const { rows } = await db.query<{ id: string; seq: number; hash: string }>(
      `SELECT c.id, h.seq, h.hash FROM unnest($1::text[]) AS c(id)
         CROSS JOIN LATERAL (SELECT seq, hash FROM tollgate_evidence WHERE chain_id = c.id ORDER BY seq DESC LIMIT 1) h`,
      [chainIds],
    );
    const heads = new Map(rows.map((r) => [r.id, { length: r.seq + 1, hash: r.hash }]));
    for (const id of chainIds) if (!heads.has(id)) heads.set(id, { length: 0, hash: GENESIS_HASH });
    return heads;
  }

  private async insert(db: Queryable, records: EvidenceRecord[]): Promise<void> {
    await db.query(
      `INSERT INTO tollgate_evidence (chain_id, seq, promotion_id, type, time, hash, record)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])`,
      [
        records.map((r) => r.chainId),
        records.map((r) => r.seq),
        records.map((r) => r.promotionId),
        records.map((r) => r.type),
        records.map((r) => r.time),
        records.map((r) => r.hash),
        records.map((r) => JSON.stringify(r)),
      ],
    );
  }

  async append(input: EvidenceInput): Promise<EvidenceRecord> {
    normalizeInput(input);
    return this.appends.submit({ kind: 'at', input });
  }

  async appendNext(input: Omit<EvidenceInput, 'seq'>): Promise<EvidenceRecord> {
    normalizeInput({ ...input, seq: 0 });
    return this.appends.submit({ kind: 'next', input });
  }

  /**
   * Commits a batch of appends (group-commit.ts) in one transaction: the locks of its chains in
   * chain id order (as every process takes them), every new record inserted, and their leaves
   * logged with one insert.
   */
  private async commitAppends(items: PendingAppend[]): Promise<Settled<EvidenceRecord>[]> {
    const chains = [...byChain(items)];
    return this.inTransaction(async (db) => {
      const chainIds = chains.map(([chainId]) => chainId);
      await this.lockChains(db, chainIds);
      const heads = await this.heads(db, chainIds);
      const results = new Array<Settled<EvidenceRecord>>(items.length);
      const written: EvidenceRecord[] = [];
      for (const [chainId, indexes] of chains) {
        const head = heads.get(chainId)!;
        const plan = await planChain(
          indexes.map((i) => items[i]!),
          head.length,
          head.hash,
          async (seq) => {
            const { rows } = await db.query<{ record: string }>(
              'SELECT record FROM tollgate_evidence WHERE chain_id = $1 AND seq = $2',
              [chainId, seq],
            );
            return parseStored<EvidenceRecord>(chainId, seq, rows[0]!.record);
          },
        );
        plan.outcomes.forEach((o, k) => (results[indexes[k]!] = o));
        written.push(...plan.written);
      }
      if (written.length > 0) {
        await this.insert(db, written);
        await this.log.write(db, () => written.map(recordLeaf));
      }
      return results;
    });
  }

  async readRaw(chainId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ record: string }>(
      'SELECT record FROM tollgate_evidence WHERE chain_id = $1 ORDER BY seq',
      [chainId],
    );
    return rows.map((r) => r.record);
  }

  async read(chainId: string): Promise<EvidenceRecord[]> {
    return (await this.readRaw(chainId)).map((text, i) => parseStored<EvidenceRecord>(chainId, i, text));
  }

  async head(chainId: string): Promise<{ record?: EvidenceRecord; length: number }> {
    const { rows } = await this.pool.query<{ seq: number; record: string }>(
      'SELECT seq, record FROM tollgate_evidence WHERE chain_id = $1 ORDER BY seq DESC LIMIT 1',
      [chainId],
    );
    const last = rows[0];
    if (!last) return { length: 0 };
    const seq = Number(last.seq);
    return { record: parseStored<EvidenceRecord>(chainId, seq, last.record), length: seq + 1 };
  }

  async listChains(): Promise<ChainSummary[]> {
    const { rows } = await this.pool.query<{
      chain_id: string;
      promotion_id: string;
      length: string;
      head_hash: string;
      first_time: string;
      last_time: string;
      sealed: boolean;
    }>(
      `SELECT e.chain_id,
              (SELECT promotion_id FROM tollgate_evidence f WHERE f.chain_id = e.chain_id ORDER BY seq LIMIT 1) AS promotion_id,
              count(*) AS length,
              (SELECT hash FROM tollgate_evidence h WHERE h.chain_id = e.chain_id ORDER BY seq DESC LIMIT 1) AS head_hash,
              (SELECT time FROM tollgate_evidence f WHERE f.chain_id = e.chain_id ORDER BY seq LIMIT 1) AS first_time,
              (SELECT time FROM tollgate_evidence h WHERE h.chain_id = e.chain_id ORDER BY seq DESC LIMIT 1) AS last_time,
              EXISTS (SELECT 1 FROM tollgate_seals s WHERE s.chain_id = e.chain_id) AS sealed
         FROM tollgate_evidence e GROUP BY e.chain_id ORDER BY e.chain_id`,
    );
    return rows.map((r) => ({
      chainId: r.chain_id,
      promotionId: r.promotion_id,
      length: Number(r.length),
      headHash: r.head_hash,
      firstTime: r.first_time,
      lastTime: r.last_time,
      sealed: r.sealed,
    }));
  }

  async seal(seal: ChainSeal): Promise<void> {
    await this.inTransaction(async (db) => {
      await this.lockChains(db, [seal.chainId]);
      const { rows } = await db.query<{ hash: string }>(
        'SELECT hash FROM tollgate_evidence WHERE chain_id = $1 AND seq = $2',
        [seal.chainId, seal.seq],
      );
      if (rows[0]?.hash !== seal.headHash) {
        throw new LedgerConflictError(
          `seal of ${seal.chainId}#${seal.seq} does not match the stored record at that sequence number`,
        );
      }
      const existing = await this.getSealFrom(db, seal.chainId);
      if (existing && existing.seq === seal.seq && existing.headHash === seal.headHash) return;
      if (existing && existing.seq > seal.seq) {
        throw new LedgerConflictError(
          `${seal.chainId} is already sealed at #${existing.seq}; a seal never moves backwards`,
        );
      }
      await db.query(
        'INSERT INTO tollgate_seals (chain_id, seq, seal) VALUES ($1, $2, $3) ON CONFLICT (chain_id) DO UPDATE SET seq = EXCLUDED.seq, seal = EXCLUDED.seal',
        [seal.chainId, seal.seq, JSON.stringify(seal)],
      );
      await this.log.write(db, () => [sealLeaf(seal)], true);
    });
  }

  private async getSealFrom(db: Queryable, chainId: string): Promise<ChainSeal | undefined> {
    const { rows } = await db.query<{ seal: string }>('SELECT seal FROM tollgate_seals WHERE chain_id = $1', [
      chainId,
    ]);
    return rows[0] ? parseStored<ChainSeal>(chainId, -1, rows[0].seal) : undefined;
  }

  getSeal(chainId: string): Promise<ChainSeal | undefined> {
    return this.getSealFrom(this.pool, chainId);
  }

  async putArtifact(
    promotionId: string,
    name: string,
    content: Buffer,
    attestation?: { keyId: string; signature: string },
  ): Promise<string> {
    const sha256 = sha256Hex(content);
    const { rows } = await this.pool.query<{ sha256: string }>(
      `INSERT INTO tollgate_artifacts (promotion_id, name, sha256, size, stored_at, key_id, signature, content)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (promotion_id, name) DO UPDATE SET promotion_id = tollgate_artifacts.promotion_id
       RETURNING sha256`,
      [
        promotionId,
        name,
        sha256,
        content.length,
        new Date().toISOString(),
        attestation?.keyId ?? null,
        attestation?.signature ?? null,
        content,
      ],
    );
    const stored = rows[0]?.sha256;
    if (stored !== sha256) {
      throw new LedgerConflictError(
        `artifact ${promotionId}/${name} is already archived with sha256 ${stored}; archives are never replaced`,
      );
    }
    return sha256;
  }

  async getArtifact(promotionId: string, name: string): Promise<Buffer | undefined> {
    const { rows } = await this.pool.query<{ content: Buffer }>(
      'SELECT content FROM tollgate_artifacts WHERE promotion_id = $1 AND name = $2',
      [promotionId, name],
    );
    return rows[0]?.content;
  }

  async listArtifacts(promotionId?: string): Promise<ArtifactEntry[]> {
    const { rows } = await this.pool.query<{
      promotion_id: string;
      name: string;
      sha256: string;
      size: number;
      stored_at: string;
      key_id: string | null;
      signature: string | null;
    }>(
      `SELECT promotion_id, name, sha256, size, stored_at, key_id, signature FROM tollgate_artifacts
        WHERE $1::text IS NULL OR promotion_id = $1 ORDER BY promotion_id, name`,
      [promotionId ?? null],
    );
    return rows.map((r) => ({
      promotionId: r.promotion_id,
      name: r.name,
      sha256: r.sha256,
      size: r.size,
      storedAt: r.stored_at,
      ...(r.key_id && r.signature ? { keyId: r.key_id, signature: r.signature } : {}),
    }));
  }

  readLog(): Promise<string[]> {
    return this.log.readLeaves(this.pool);
  }

  readCheckpoints(): Promise<string[]> {
    return this.log.readCheckpoints(this.pool);
  }

  async checkpoint(): Promise<StoredCheckpoint | undefined> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const checkpoint = await this.log.write(client, () => [], true);
      await client.query('COMMIT');
      return checkpoint;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Rows are written whole or not at all: PostgreSQL has no torn tails. */
  tornTails(): TornTail[] {
    return [];
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export async function openPostgresLedger(
  connectionString: string,
  logger: Logger,
  opts: Omit<LedgerOptions, 'logger'> = {},
): Promise<PostgresLedger> {
  // Read-only sessions: verification cannot change a row even by mistake.
  const pool = new pg.Pool({
    connectionString,
    max: 4,
    ...(opts.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
  });
  // A client losing its server connection must not crash the worker; the next query reconnects.
  // The pool only listens on idle clients: a client checked out between two queries of an append
  // (the server restarting then) emits 'error' on itself, which unheard kills the process.
  const lost = (err: Error) => logger.warn({ err: err.message }, 'PostgreSQL ledger connection lost');
  pool.on('error', lost);
  pool.on('connect', (client) => client.on('error', lost));
  const ledger = new PostgresLedger(pool, logger, opts.signer);
  try {
    if (opts.readOnly) await pool.query('SELECT 1 FROM tollgate_log LIMIT 1');
    else await ledger.migrate();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(
      `cannot open the PostgreSQL ledger: ${(err as Error).message} (check ledger.connectionString in the Tollgate config)`,
    );
  }
  return ledger;
}
