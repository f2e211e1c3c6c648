/**
 * The PostgreSQL store's Merkle log: `tollgate_log` holds each leaf's text at its position,
 * `tollgate_checkpoints` the signed checkpoints. A leaf is written in the same transaction as
 * the record or seal it logs, holding a transaction-scoped advisory lock that every writer of
 * every chain takes after its chain's lock, so the log has no gaps and a chain's leaves are in
 * sequence order.
 */
import type { LogLeaf } from '../domain/ledger-log.js';
import { leafText, LogState, type StoredCheckpoint } from './log-state.js';
import type { LedgerSigner } from './seal.js';

/** Any constant other than the migration lock's. */
const LOG_LOCK = 7_264_537_002;

export const LOG_MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS tollgate_log (
     idx bigint PRIMARY KEY,
     leaf text NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS tollgate_checkpoints (
     size bigint PRIMARY KEY,
     issued_at text NOT NULL,
     note text NOT NULL
   )`,
];

interface Queryable {
  query<R extends object>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

export class PostgresLog {
  private state = new LogState();
  private checkpointsSeen = 0;

  constructor(private readonly signer: LedgerSigner | undefined) {}

  /** Forgets what this process knew: after a transaction that wrote leaves was rolled back. */
  reset(): void {
    this.state = new LogState();
    this.checkpointsSeen = 0;
  }

  private async catchUp(db: Queryable): Promise<LogState> {
    const { rows: top } = await db.query<{ size: string }>(
      'SELECT coalesce(max(idx) + 1, 0) AS size FROM tollgate_log',
    );
    if (Number(top[0]?.size ?? 0) < this.state.size) this.reset();
    const { rows } = await db.query<{ leaf: string }>(
      'SELECT leaf FROM tollgate_log WHERE idx >= $1 ORDER BY idx',
      [this.state.size],
    );
    for (const { leaf } of rows) this.state.add(leaf);
    const { rows: checkpoints } = await db.query<{ size: string; issued_at: string }>(
      'SELECT size, issued_at FROM tollgate_checkpoints ORDER BY size OFFSET $1',
      [this.checkpointsSeen],
    );
    for (const c of checkpoints) this.state.noteCheckpoint({ size: Number(c.size), issuedAt: c.issued_at });
    this.checkpointsSeen += checkpoints.length;
    return this.state;
  }

  /** The log as committed now (for a writer deciding whether anything is left to log). */
  async current(db: Queryable): Promise<LogState> {
    return this.catchUp(db);
  }

  /**
   * Inside a transaction that holds a chain lock: takes the log lock, appends the leaves `build`
   * returns at the next positions, and a checkpoint when one is due (always with `force`).
   */
  async write(
    db: Queryable,
    build: (state: LogState) => Promise<LogLeaf[]> | LogLeaf[],
    force = false,
  ): Promise<StoredCheckpoint | undefined> {
    await db.query('SELECT pg_advisory_xact_lock($1)', [LOG_LOCK]);
    const state = await this.catchUp(db);
    const texts = (await build(state)).map(leafText);
    if (texts.length > 0) {
      await db.query(
        'INSERT INTO tollgate_log (idx, leaf) SELECT $1::bigint + i - 1, leaf FROM unnest($2::text[]) WITH ORDINALITY AS t(leaf, i)',
        [state.size, texts],
      );
      for (const text of texts) state.add(text);
    }
    const checkpoint = state.checkpointIfDue(this.signer, force);
    if (checkpoint) {
      await db.query('INSERT INTO tollgate_checkpoints (size, issued_at, note) VALUES ($1, $2, $3)', [
        checkpoint.size,
        checkpoint.issuedAt,
        checkpoint.note,
      ]);
      state.noteCheckpoint(checkpoint);
      this.checkpointsSeen++;
    }
    return checkpoint;
  }

  async readLeaves(db: Queryable): Promise<string[]> {
    const { rows } = await db.query<{ leaf: string }>('SELECT leaf FROM tollgate_log ORDER BY idx');
    return rows.map((r) => r.leaf);
  }

  async readCheckpoints(db: Queryable): Promise<string[]> {
    const { rows } = await db.query<{ note: string }>('SELECT note FROM tollgate_checkpoints ORDER BY size');
    return rows.map((r) => r.note);
  }
}
