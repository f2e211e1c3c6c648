/** Evidence blobs in PostgreSQL, next to the ledger's tables: one row per sha256. */
import pg from 'pg';
import { blobDigest, checked, digestHex, type EvidenceBlobStore } from './blob-store.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS tollgate_evidence_blobs (
  sha256 text PRIMARY KEY,
  size integer NOT NULL,
  content bytea NOT NULL
)`;

export async function openPostgresBlobStore(connectionString: string): Promise<EvidenceBlobStore> {
  const pool = new pg.Pool({ connectionString, max: 4 });
  try {
    await pool.query(SCHEMA);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return {
    async put(content) {
      const digest = blobDigest(content);
      await pool.query(
        'INSERT INTO tollgate_evidence_blobs (sha256, size, content) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING',
        [digestHex(digest), content.length, content],
      );
      return digest;
    },
    async get(digest) {
      const { rows } = await pool.query<{ content: Buffer }>(
        'SELECT content FROM tollgate_evidence_blobs WHERE sha256 = $1',
        [digestHex(digest)],
      );
      const row = rows[0];
      return row ? checked(digest, row.content, `tollgate_evidence_blobs ${digest}`) : undefined;
    },
    close: () => pool.end(),
  };
}
