/**
 * The behaviour every ledger store must have, run against each store by its own test file
 * (file-store.test.ts, postgres-store.test.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import type { z } from 'zod';
import type { LedgerConfig } from '../../src/config/schema.js';
import type { EvidenceInput, EvidenceRecord } from '../../src/domain/evidence.js';
import { LedgerConflictError, type Ledger } from '../../src/ledger/ledger.js';
import { GENESIS_HASH, recordHash } from '../../src/ledger/record.js';
import { makeSeal, signerFromKey } from '../../src/ledger/seal.js';
import { verifyChain } from '../../src/ledger/verify.js';
import { verifyLedger } from '../../src/audit/verify.js';
import { groupCommitSuite } from './group-commit-suite.js';
import { logSuite } from './log-suite.js';
import { promotionChain, refusal } from './samples.js';

/** The ledger key every store under test signs its checkpoints with. */
export const suiteSigner = signerFromKey(generateKeyPairSync('ed25519').privateKey);

const run = promisify(execFile);

export interface StoreUnderTest {
  ledger: Ledger;
  /** The config another process opens the same store with. */
  config: z.output<typeof LedgerConfig>;
  /** Rewrites the stored text of one record, as someone with write access to the store could. */
  tamper(chainId: string, seq: number, mutate: (stored: Buffer) => Buffer): Promise<void>;
  /** Opens the store again, as a fresh process would (with `readOnly`, as verification does). */
  reopen(readOnly?: boolean): Promise<Ledger>;
  /** Replaces a chain's stored records with these texts, or deletes the chain. */
  replaceChain(chainId: string, texts: string[] | undefined): Promise<void>;
  deleteSeal(chainId: string): Promise<void>;
  /** Rewrites the stored text of one leaf of the Merkle log; an empty result removes the leaf. */
  tamperLeaf(index: number, mutate: (stored: Buffer) => Buffer): Promise<void>;
}

async function verify(ledger: Ledger, chainId: string, publicKey?: KeyObject) {
  return verifyChain(chainId, await ledger.readRaw(chainId), await ledger.getSeal(chainId), { publicKey });
}

/** Appends a whole chain and returns its head record. */
async function appendAll(ledger: Ledger, inputs: EvidenceInput[]): Promise<EvidenceRecord> {
  const records: EvidenceRecord[] = [];
  for (const input of inputs) records.push(await ledger.append(input));
  const head = records.at(-1);
  if (!head) throw new Error('empty chain');
  return head;
}

export function ledgerSuite(openStore: () => Promise<StoreUnderTest>): void {
  const withStore = async (fn: (store: StoreUnderTest) => Promise<void>) => {
    const store = await openStore();
    try {
      await fn(store);
    } finally {
      await store.ledger.close();
    }
  };

  void test('records are hash-chained from the genesis hash', () =>
    withStore(async ({ ledger }) => {
      const inputs = promotionChain('p-chain', 'approved');
      const records: EvidenceRecord[] = [];
      for (const input of inputs) records.push(await ledger.append(input));
      assert.equal(records[0]!.prevHash, GENESIS_HASH);
      records.forEach((r, i) => {
        assert.equal(r.hash, recordHash(r));
        if (i > 0) assert.equal(r.prevHash, records[i - 1]!.hash);
      });
      assert.deepEqual(await ledger.read('p-chain'), records);
      const result = await verify(ledger, 'p-chain');
      assert.equal(result.ok, true, result.problems.join('; '));
      assert.equal(result.length, inputs.length);
    }));

  void test("a chain's head is its last record and its length, and an empty chain has none", () =>
    withStore(async ({ ledger }) => {
      assert.deepEqual(await ledger.head('p-head'), { length: 0 });
      const inputs = promotionChain('p-head', 'approved');
      for (const [i, input] of inputs.entries()) {
        const stored = await ledger.append(input);
        assert.deepEqual(await ledger.head('p-head'), { record: stored, length: i + 1 });
      }
    }));

  void test('a retried append returns the stored record and never duplicates or forks the chain', () =>
    withStore(async ({ ledger }) => {
      const inputs = promotionChain('p-retry', 'rolled-back');
      for (const input of inputs) {
        const first = await ledger.append(input);
        // Sequential retries and a burst of concurrent retries of the same activity.
        assert.deepEqual(await ledger.append(structuredClone(input)), first);
        const burst = await Promise.all(
          Array.from({ length: 5 }, () => ledger.append(structuredClone(input))),
        );
        for (const again of burst) assert.deepEqual(again, first);
      }
      assert.equal((await ledger.read('p-retry')).length, inputs.length);
      assert.equal((await verify(ledger, 'p-retry')).ok, true);
    }));

  void test('concurrent appends of the whole chain from several promises land once per sequence number', () =>
    withStore(async ({ ledger }) => {
      const inputs = promotionChain('p-race', 'approved');
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (const input of inputs) await ledger.append(input);
        }),
      );
      const records = await ledger.read('p-race');
      assert.deepEqual(
        records.map((r) => r.seq),
        inputs.map((_, i) => i),
      );
      assert.equal((await verify(ledger, 'p-race')).ok, true);
    }));

  void test(
    'several worker processes appending to the same store keep one intact chain',
    { timeout: 120_000 },
    () =>
      withStore(async ({ ledger, config }) => {
        const worker = (args: string[]) =>
          run(process.execPath, [
            '--import',
            'tsx',
            'test/ledger/append-worker.ts',
            JSON.stringify(config),
            ...args,
          ]);
        await Promise.all([
          worker(['append', 'p-multi']),
          worker(['append', 'p-multi']),
          worker(['append', 'p-multi']),
          worker(['appendNext', 'p-multi', '15']),
          worker(['appendNext', 'p-multi', '15']),
        ]);
        const expected = promotionChain('p-multi', 'approved');
        const records = await ledger.read('p-multi');
        assert.equal(records.length, expected.length, 'one record per sequence number');
        assert.deepEqual(
          records.map((r) => r.data),
          expected.map((i) => JSON.parse(JSON.stringify(i.data)) as unknown),
        );
        assert.equal((await verify(ledger, 'p-multi')).ok, true);
        const security = await ledger.read('security:p-multi');
        assert.equal(security.length, 30, 'every appendNext got its own sequence number');
        assert.equal((await verify(ledger, 'security:p-multi')).ok, true);
        // One log for all of them: every record logged once, in its chain's order.
        await ledger.seal(makeSeal(suiteSigner, records.at(-1)!, '2026-03-02T12:00:00.000Z'));
        const whole = await verifyLedger(ledger, { publicKey: suiteSigner.publicKey });
        assert.equal(
          whole.ok,
          true,
          [...whole.chains.flatMap((c) => c.problems), ...whole.log!.problems].join('; '),
        );
        assert.equal(whole.log?.size, expected.length + 30 + 1, 'every record and the seal, once');
      }),
  );

  void test('a different record under an existing key is refused, naming the key and the fields', () =>
    withStore(async ({ ledger }) => {
      const [first, second] = promotionChain('p-conflict', 'approved');
      await ledger.append(first!);
      await ledger.append(second!);
      await assert.rejects(
        ledger.append({ ...second!, time: '2030-01-01T00:00:00.000Z', data: { forged: true } }),
        (err: Error) =>
          err instanceof LedgerConflictError &&
          /p-conflict#1/.test(err.message) &&
          /differing fields: time, data\)/.test(err.message),
      );
      await assert.rejects(
        ledger.append({ ...second!, seq: 5 }),
        (err: Error) =>
          err instanceof LedgerConflictError &&
          /gap/.test(err.message) &&
          /next sequence number is 2/.test(err.message),
      );
      assert.equal((await ledger.read('p-conflict')).length, 2);
    }));

  void test('an invalid input is refused with the field that is wrong', () =>
    withStore(async ({ ledger }) => {
      const [first] = promotionChain('p-invalid', 'approved');
      await assert.rejects(
        ledger.append({ ...first!, type: 'promotion.exploded' as never }),
        /p-invalid#0: type/,
      );
    }));

  void test('a sealed chain verifies with the ledger key; a wrong key, an edited seal or a later record do not', () =>
    withStore(async ({ ledger }) => {
      const signer = signerFromKey(generateKeyPairSync('ed25519').privateKey);
      const other = generateKeyPairSync('ed25519').publicKey;
      const inputs = promotionChain('p-seal', 'approved');
      const head = await appendAll(ledger, inputs);
      const seal = makeSeal(signer, head, '2026-03-02T12:00:00.000Z');
      await ledger.seal(seal);
      await ledger.seal(seal);
      assert.deepEqual(await ledger.getSeal('p-seal'), seal);
      assert.equal((await verify(ledger, 'p-seal', signer.publicKey)).seal, 'valid');
      assert.equal((await verify(ledger, 'p-seal')).seal, 'unchecked');

      const wrongKey = await verify(ledger, 'p-seal', other);
      assert.equal(wrongKey.ok, false);
      assert.match(wrongKey.problems.join(), /trusted ledger key/);

      const forged = { ...seal, sealedAt: '2026-03-02T12:00:01.000Z' };
      assert.match(
        verifyChain('p-seal', await ledger.readRaw('p-seal'), forged, {
          publicKey: signer.publicKey,
        }).problems.join(),
        /signature does not match/,
      );

      await assert.rejects(ledger.seal({ ...seal, headHash: 'f'.repeat(64) }), LedgerConflictError);

      await ledger.append({ ...inputs[0]!, seq: inputs.length, type: 'stage.entered' });
      const appended = await verify(ledger, 'p-seal', signer.publicKey);
      assert.equal(appended.ok, false);
      assert.equal(appended.firstBad?.seq, inputs.length);
      assert.match(appended.problems.join(), /appended after the promotion was sealed/);
    }));

  void test(
    'flipping any single byte of a stored record is detected and names that record',
    { timeout: 120_000 },
    () =>
      withStore(async (store) => {
        const signer = signerFromKey(generateKeyPairSync('ed25519').privateKey);
        const inputs = promotionChain('p-mutate', 'approved');
        const head = await appendAll(store.ledger, inputs);
        await store.ledger.seal(makeSeal(signer, head, '2026-03-02T12:00:00.000Z'));
        const target = 4;
        const original = Buffer.from((await store.ledger.readRaw('p-mutate'))[target]!, 'utf8');
        for (let i = 0; i < original.length; i++) {
          await store.tamper('p-mutate', target, (bytes) => {
            const copy = Buffer.from(bytes);
            copy[i] = copy[i]! ^ 0x01;
            return copy;
          });
          const fresh = await store.reopen();
          const result = await verify(fresh, 'p-mutate', signer.publicKey).finally(() => fresh.close());
          assert.equal(
            result.ok,
            false,
            `flip of byte ${i} ('${String.fromCharCode(original[i]!)}') went unnoticed`,
          );
          assert.equal(result.firstBad?.seq, target, `flip of byte ${i}: ${result.problems.join('; ')}`);
          await store.tamper('p-mutate', target, () => original);
        }
        assert.equal(
          (await verify(store.ledger, 'p-mutate', signer.publicKey)).ok,
          true,
          'restoring the bytes restores the chain',
        );
      }),
  );

  void test('removing the last record of a sealed chain is detected by the seal', () =>
    withStore(async (store) => {
      const signer = signerFromKey(generateKeyPairSync('ed25519').privateKey);
      const inputs = promotionChain('p-cut', 'rejected');
      const head = await appendAll(store.ledger, inputs);
      await store.ledger.seal(makeSeal(signer, head, '2026-03-02T12:00:00.000Z'));
      await store.tamper('p-cut', inputs.length - 1, () => Buffer.alloc(0));
      const result = await verify(store.ledger, 'p-cut', signer.publicKey);
      assert.equal(result.ok, false);
      assert.match(result.problems.join(), /records were removed/);
    }));

  void test('chains are listed with their length, head and times; refusals get their own chain', () =>
    withStore(async ({ ledger }) => {
      for (const input of promotionChain('p-list', 'rejected')) await ledger.append(input);
      const refused = await ledger.appendNext(refusal('p-list', 0));
      assert.equal(refused.seq, 0);
      assert.equal((await ledger.appendNext(refusal('p-list', 1))).prevHash, refused.hash);
      const chains = await ledger.listChains();
      const main = chains.find((c) => c.chainId === 'p-list');
      const security = chains.find((c) => c.chainId === 'security:p-list');
      assert.equal(main?.promotionId, 'p-list');
      assert.equal(main?.length, promotionChain('p-list', 'rejected').length);
      assert.equal(main?.sealed, false);
      assert.equal(main?.firstTime, '2026-03-02T09:01:00.000Z');
      assert.equal(security?.length, 2);
      assert.equal(security?.promotionId, 'p-list');
    }));

  void test('archived artifacts are stored once with their sha256 in the archive index', () =>
    withStore(async (store) => {
      const history = Buffer.from(JSON.stringify({ events: [{ eventId: '1' }] }));
      const sha = await store.ledger.putArtifact('p-art', 'history-run1.json', history, {
        keyId: 'ledger:x',
        signature: 'ab',
      });
      assert.match(sha, /^[0-9a-f]{64}$/);
      assert.equal(
        await store.ledger.putArtifact('p-art', 'history-run1.json', history),
        sha,
        'a retried archive is accepted',
      );
      await assert.rejects(
        store.ledger.putArtifact('p-art', 'history-run1.json', Buffer.from('{}')),
        LedgerConflictError,
      );
      const reopened = await store.reopen();
      after(() => reopened.close());
      assert.deepEqual(await reopened.getArtifact('p-art', 'history-run1.json'), history);
      assert.equal(await reopened.getArtifact('p-art', 'other.json'), undefined);
      const [entry, ...rest] = await reopened.listArtifacts('p-art');
      assert.equal(rest.length, 0);
      assert.equal(entry?.sha256, sha);
      assert.equal(entry?.size, history.length);
      assert.equal(entry?.keyId, 'ledger:x');
    }));

  void test('archives written by another process are listed by one that listed before', () =>
    withStore(async (store) => {
      await store.ledger.putArtifact('p-list-a', 'history-a.json', Buffer.from('{"a":1}'));
      assert.deepEqual(
        (await store.ledger.listArtifacts()).map((e) => e.name),
        ['history-a.json'],
      );
      const other = await store.reopen();
      after(() => other.close());
      await other.putArtifact('p-list-b', 'history-b.json', Buffer.from('{"b":2}'));
      await other.putArtifact('p-list-a', 'history-a2.json', Buffer.from('{"a":2}'));
      assert.deepEqual(
        (await store.ledger.listArtifacts('p-list-a')).map((e) => e.name),
        ['history-a.json', 'history-a2.json'],
      );
      assert.deepEqual((await store.ledger.listArtifacts()).map((e) => `${e.promotionId}/${e.name}`).sort(), [
        'p-list-a/history-a.json',
        'p-list-a/history-a2.json',
        'p-list-b/history-b.json',
      ]);
    }));

  logSuite(withStore);
  groupCommitSuite(withStore);
}
