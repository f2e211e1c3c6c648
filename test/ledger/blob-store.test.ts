/**
 * The evidence blob store, file and PostgreSQL behind one interface, each against its real
 * storage: bytes come back by their sha256, storing twice is harmless, and bytes changed in
 * storage are refused on read instead of being evaluated.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { BlobIntegrityError, type EvidenceBlobStore } from '../../src/ledger/blob-store.js';
import { openBlobStore } from '../../src/ledger/blob-store-create.js';
import { blobsDir } from '../../src/ledger/blob-store-file.js';
import { startPostgres } from '../helpers/postgres.js';

const postgres = await startPostgres();
after(() => postgres.stop());

interface Backend {
  open(): Promise<{
    store: EvidenceBlobStore;
    corrupt(hex: string): Promise<void>;
    cleanup(): Promise<void>;
  }>;
}

const backends: Record<string, Backend> = {
  file: {
    async open() {
      const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-blobs-'));
      return {
        store: await openBlobStore({ type: 'file', path: dir }),
        corrupt: (hex) => writeFile(path.join(blobsDir(dir), hex), 'edited'),
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  postgres: {
    async open() {
      const connectionString = await postgres.createDatabase(`blobs_${Date.now()}`);
      return {
        store: await openBlobStore({ type: 'postgres', connectionString }),
        async corrupt(hex) {
          const client = new pg.Client({ connectionString });
          await client.connect();
          await client.query(
            "UPDATE tollgate_evidence_blobs SET content = 'edited'::bytea WHERE sha256 = $1",
            [hex],
          );
          await client.end();
        },
        cleanup: () => Promise.resolve(),
      };
    },
  },
};

for (const [name, backend] of Object.entries(backends)) {
  void describe(`evidence blob store (${name})`, () => {
    void it('returns stored bytes by their sha256 and stores the same bytes once', async () => {
      const opened = await backend.open();
      const store = opened.store;
      try {
        const content = Buffer.from('{"bomFormat":"CycloneDX"}\n');
        const hex = createHash('sha256').update(content).digest('hex');
        assert.equal(await store.put(content), `sha256:${hex}`);
        assert.equal(await store.put(content), `sha256:${hex}`, 'idempotent');
        assert.deepEqual(await store.get(`sha256:${hex}`), content);
        assert.equal(await store.get(`sha256:${'0'.repeat(64)}`), undefined);
        await assert.rejects(store.get('sha256:../../etc/passwd'), /not a blob digest/);
      } finally {
        await store.close();
        await opened.cleanup();
      }
    });

    void it('refuses bytes changed in storage', async () => {
      const opened = await backend.open();
      const store = opened.store;
      try {
        const digest = await store.put(Buffer.from('evidence'));
        await opened.corrupt(digest.slice(7));
        await assert.rejects(
          store.get(digest),
          (err: Error) => err instanceof BlobIntegrityError && /do not hash to/.test(err.message),
        );
      } finally {
        await store.close();
        await opened.cleanup();
      }
    });
  });
}
