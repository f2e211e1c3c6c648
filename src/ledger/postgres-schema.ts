/** The PostgreSQL ledger's tables, created by the first worker to start. */
import { LOG_MIGRATIONS } from './postgres-log.js';

/** Any constant: serializes schema creation when several workers start at once. */
export const MIGRATION_LOCK = 7_264_537_001;

export const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS tollgate_evidence (
     chain_id text NOT NULL,
     seq integer NOT NULL,
     promotion_id text NOT NULL,
     type text NOT NULL,
     time text NOT NULL,
     hash text NOT NULL,
     record text NOT NULL,
     PRIMARY KEY (chain_id, seq)
   )`,
  `CREATE INDEX IF NOT EXISTS tollgate_evidence_promotion ON tollgate_evidence (promotion_id)`,
  `CREATE TABLE IF NOT EXISTS tollgate_seals (
     chain_id text PRIMARY KEY,
     seq integer NOT NULL,
     seal text NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS tollgate_artifacts (
     promotion_id text NOT NULL,
     name text NOT NULL,
     sha256 text NOT NULL,
     size integer NOT NULL,
     stored_at text NOT NULL,
     key_id text,
     signature text,
     content bytea NOT NULL,
     PRIMARY KEY (promotion_id, name)
   )`,
  ...LOG_MIGRATIONS,
];
