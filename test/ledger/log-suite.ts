/**
 * The Merkle log's guarantees, run against each store by ledger-suite.ts: every way someone with
 * write access to the store could remove, rewrite or reorder evidence — a record, a whole chain,
 * a seal, with or without recomputing hashes, sealed chains and running ones alike — is found
 * and named by `verifyLedger`, which never changes the store.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { verifyLedger, type LedgerVerification } from '../../src/audit/verify.js';
import type { EvidenceInput, EvidenceRecord } from '../../src/domain/evidence.js';
import { CheckpointError } from '../../src/ledger/checkpoint.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { buildRecord, GENESIS_HASH } from '../../src/ledger/record.js';
import { makeSeal } from '../../src/ledger/seal.js';
import { promotionChain, refusal } from './samples.js';
import { suiteSigner, type StoreUnderTest } from './ledger-suite.js';

const SEALED = 'p-sealed';
const RUNNING = 'p-running';
const SECURITY = `security:${RUNNING}`;

/** A sealed promotion, a running one with a vote still to come, and refusals of the running one. */
async function populate(ledger: Ledger): Promise<void> {
  for (const input of promotionChain(SEALED, 'approved')) await ledger.append(input);
  const head = (await ledger.read(SEALED)).at(-1)!;
  await ledger.seal(makeSeal(suiteSigner, head, '2026-03-02T12:00:00.000Z'));
  for (const input of promotionChain(RUNNING, 'approved').slice(0, 9)) await ledger.append(input);
  for (let i = 0; i < 4; i++) await ledger.appendNext(refusal(RUNNING, i));
  await ledger.checkpoint();
}

async function verifyFresh(store: StoreUnderTest): Promise<LedgerVerification> {
  const fresh = await store.reopen(true);
  try {
    return await verifyLedger(fresh, { publicKey: suiteSigner.publicKey });
  } finally {
    await fresh.close();
  }
}

function explain(v: LedgerVerification): string {
  return [
    ...v.chains.flatMap((c) => c.problems.map((p) => `${c.chainId}: ${p}`)),
    ...(v.log?.problems ?? []),
  ].join('; ');
}

/** The chain's records after `edit`, with every hash recomputed, as someone without the ledger key could. */
function recomputed(records: EvidenceRecord[], edit: (r: EvidenceRecord) => EvidenceRecord): string[] {
  let prev = GENESIS_HASH;
  return records.map((r) => {
    const input: Partial<EvidenceRecord> = { ...edit(r) };
    delete input.hash;
    delete input.prevHash;
    const rebuilt = buildRecord(input as EvidenceInput, prev);
    prev = rebuilt.hash;
    return JSON.stringify(rebuilt);
  });
}

/** The position of the leaf that logs record `chainId#seq`. */
function leafOf(leaves: readonly string[], chainId: string, seq: number): number {
  const index = leaves.findIndex((l) => {
    const leaf = JSON.parse(l) as { kind: string; chainId: string; seq: number };
    return leaf.kind === 'record' && leaf.chainId === chainId && leaf.seq === seq;
  });
  assert.ok(index >= 0, `the log holds ${chainId}#${seq}`);
  return index;
}

export function logSuite(withStore: (fn: (store: StoreUnderTest) => Promise<void>) => Promise<void>): void {
  void test('the log holds every record and seal, signed checkpoints cover it, and verification passes', () =>
    withStore(async (store) => {
      await populate(store.ledger);
      const v = await verifyFresh(store);
      assert.equal(v.ok, true, explain(v));
      const records = (
        await Promise.all([SEALED, RUNNING, SECURITY].map((c) => store.ledger.read(c)))
      ).flat();
      assert.equal(v.log?.size, records.length + 1, 'one leaf per record plus the seal');
      assert.equal(v.log?.checkpoint?.size, v.log?.size, 'the newest checkpoint covers the whole log');
      assert.equal(v.log?.uncovered, 0);
      assert.match(
        v.log.checkpoint.note,
        /^tollgate\.ledger\/[0-9a-f]{16}\n\d+\n[A-Za-z0-9+/]{43}=\n\n\u2014 /,
      );
    }));

  void test(
    'removing any single record is detected and named, in sealed, running and security chains',
    { timeout: 300_000 },
    () =>
      withStore(async (store) => {
        await populate(store.ledger);
        for (const chainId of [SEALED, RUNNING, SECURITY]) {
          const raw = await store.ledger.readRaw(chainId);
          for (let seq = 0; seq < raw.length; seq++) {
            await store.tamper(chainId, seq, () => Buffer.alloc(0));
            const v = await verifyFresh(store);
            await store.replaceChain(chainId, raw);
            assert.equal(v.ok, false, `removing ${chainId}#${seq} went unnoticed`);
            const chain = v.chains.find((c) => c.chainId === chainId)!;
            assert.match(
              chain.problems.join('; '),
              /missing: the log holds them|removed|not the record the log holds/,
              `${chainId}#${seq}`,
            );
            assert.ok(v.log?.firstBadLeaf, `${chainId}#${seq}: a bad leaf is named`);
          }
        }
        assert.equal((await verifyFresh(store)).ok, true, 'restoring the records restores the ledger');
      }),
  );

  void test('deleting a whole chain, sealed or not, is detected and names the chain and its first leaf', () =>
    withStore(async (store) => {
      await populate(store.ledger);
      for (const chainId of [SEALED, RUNNING, SECURITY]) {
        const raw = await store.ledger.readRaw(chainId);
        const seal = await store.ledger.getSeal(chainId);
        await store.replaceChain(chainId, undefined);
        if (seal) await store.deleteSeal(chainId);
        const v = await verifyFresh(store);
        await store.replaceChain(chainId, raw);
        if (seal) await store.ledger.seal(seal);
        assert.equal(v.ok, false, `deleting ${chainId} went unnoticed`);
        assert.deepEqual(v.missingChains, [chainId]);
        assert.match(
          v.log!.problems.join(),
          new RegExp(`chain ${chainId} is missing: the log holds its \\d+ record`),
        );
        assert.match(v.log!.firstBadLeaf!.reason, new RegExp(`chain ${chainId} was deleted`));
      }
    }));

  void test("deleting a sealed chain's seal, or it and its last records, is detected", () =>
    withStore(async (store) => {
      await populate(store.ledger);
      const seal = (await store.ledger.getSeal(SEALED))!;
      await store.deleteSeal(SEALED);
      let v = await verifyFresh(store);
      assert.equal(v.ok, false);
      assert.match(explain(v), /its seal over #\d+ is missing: the log holds it at leaf #\d+/);
      const raw = await store.ledger.readRaw(SEALED);
      await store.tamper(SEALED, raw.length - 1, () => Buffer.alloc(0));
      await store.tamper(SEALED, raw.length - 2, () => Buffer.alloc(0));
      v = await verifyFresh(store);
      assert.equal(v.ok, false);
      assert.match(explain(v), new RegExp(`records #${raw.length - 2}\\.\\.#${raw.length - 1} are missing`));
      await store.replaceChain(SEALED, raw);
      await store.ledger.seal(seal);
      assert.equal((await verifyFresh(store)).ok, true);
    }));

  void test("a running chain rewritten with recomputed hashes (erin's vote made bob's) is detected", () =>
    withStore(async (store) => {
      await populate(store.ledger);
      const records = await store.ledger.read(RUNNING);
      const vote = records.findIndex((r) => r.type === 'approval.vote');
      assert.ok(vote > 0, 'the running promotion has a vote');
      const forged = recomputed(records, (r) =>
        r.seq === vote ? { ...r, actor: { ...r.actor, id: 'bob' }, data: { ...r.data, approver: 'bob' } } : r,
      );
      await store.replaceChain(RUNNING, forged);
      const v = await verifyFresh(store);
      const chain = v.chains.find((c) => c.chainId === RUNNING)!;
      assert.equal(chain.firstBad, undefined, 'the forged chain links by itself');
      assert.equal(v.ok, false);
      assert.match(
        chain.problems.join(),
        new RegExp(`record #${vote} is not the record the log holds at leaf #\\d+`),
      );

      // Rewriting the log's leaves too leaves the signed checkpoints behind.
      const leaves = await store.ledger.readLog();
      const index = leafOf(leaves, RUNNING, vote);
      for (let seq = vote; seq < forged.length; seq++) {
        const at = leafOf(leaves, RUNNING, seq);
        const newHash = (JSON.parse(forged[seq]!) as EvidenceRecord).hash;
        await store.tamperLeaf(at, (b) =>
          Buffer.from(b.toString().replace(/"hash":"[0-9a-f]{64}"/, `"hash":"${newHash}"`)),
        );
      }
      const again = await verifyFresh(store);
      assert.equal(again.ok, false);
      assert.match(again.log!.problems.join(), /do not hash to its root/);
      assert.ok(
        again.log!.firstBadLeaf!.index <= index,
        `first bad leaf ${again.log!.firstBadLeaf!.index} is at or before #${index}`,
      );
    }));

  void test('records reordered, with or without recomputed hashes, and leaves reordered are detected', () =>
    withStore(async (store) => {
      await populate(store.ledger);
      const raw = await store.ledger.readRaw(SECURITY);
      const swapped = [raw[0]!, raw[2]!, raw[1]!, raw[3]!];
      await store.replaceChain(SECURITY, swapped);
      assert.equal((await verifyFresh(store)).ok, false, 'swapped records');
      const records = raw.map((text) => JSON.parse(text) as EvidenceRecord);
      const reordered = recomputed(
        [records[0]!, records[2]!, records[1]!, records[3]!].map((r, i) => ({ ...r, seq: i })),
        (r) => r,
      );
      await store.replaceChain(SECURITY, reordered);
      const v = await verifyFresh(store);
      assert.equal(v.ok, false, 'reordered with recomputed hashes');
      assert.match(explain(v), /record #1 is not the record the log holds/);
      await store.replaceChain(SECURITY, raw);

      const leaves = await store.ledger.readLog();
      const a = leaves.length - 3;
      await store.tamperLeaf(a, () => Buffer.from(leaves[a + 1]!));
      await store.tamperLeaf(a + 1, () => Buffer.from(leaves[a]!));
      const swappedLeaves = await verifyFresh(store);
      assert.equal(swappedLeaves.ok, false, 'swapped leaves');
      assert.equal(swappedLeaves.log?.firstBadLeaf?.index, a);
    }));

  void test(
    'flipping any byte of a leaf in the log names that leaf as the first bad one',
    { timeout: 300_000 },
    () =>
      withStore(async (store) => {
        await populate(store.ledger);
        const leaves = await store.ledger.readLog();
        const target = leafOf(leaves, RUNNING, 3);
        const original = Buffer.from(leaves[target]!);
        for (let i = 0; i < original.length; i++) {
          await store.tamperLeaf(target, (bytes) => {
            const copy = Buffer.from(bytes);
            copy[i] = copy[i]! ^ 0x01;
            return copy;
          });
          const v = await verifyFresh(store);
          assert.equal(
            v.ok,
            false,
            `flip of byte ${i} ('${String.fromCharCode(original[i]!)}') went unnoticed`,
          );
          assert.equal(
            v.log?.firstBadLeaf?.index,
            target,
            `flip of byte ${i}: ${JSON.stringify(v.log?.firstBadLeaf)}`,
          );
          assert.ok(v.chains.length === 3, 'every chain was still checked');
          await store.tamperLeaf(target, () => original);
        }
        assert.equal((await verifyFresh(store)).ok, true, 'restoring the leaf restores the log');
      }),
  );

  void test('the log must extend the checkpoint an auditor trusted; one by another key is refused', () =>
    withStore(async (store) => {
      await populate(store.ledger);
      const trusted = (await verifyFresh(store)).log!.checkpoint!.note;
      for (const input of promotionChain(RUNNING, 'approved').slice(9)) await store.ledger.append(input);
      const head = (await store.ledger.read(RUNNING)).at(-1)!;
      await store.ledger.seal(makeSeal(suiteSigner, head, '2026-03-02T13:00:00.000Z'));
      const fresh = await store.reopen(true);
      try {
        const v = await verifyLedger(fresh, { publicKey: suiteSigner.publicKey, since: trusted });
        assert.equal(v.ok, true, explain(v));
        assert.equal(v.log?.since?.ok, true);
        assert.ok(v.log.since.consistentWith > v.log.since.size);

        const other = generateKeyPairSync('ed25519');
        await assert.rejects(
          verifyLedger(fresh, { publicKey: other.publicKey, since: trusted }),
          (err: Error) =>
            err instanceof CheckpointError &&
            /--since: checkpoint of log .* but the trusted ledger key's log is/.test(err.message),
        );
        const wrongKey = await verifyLedger(fresh, { publicKey: other.publicKey });
        assert.equal(wrongKey.ok, false);
        assert.match(
          wrongKey.log!.problems.join(),
          /checkpoint #0: checkpoint of log tollgate\.ledger\/[0-9a-f]+, but the trusted/,
        );
      } finally {
        await fresh.close();
      }
      // Cutting the log back below what the auditor saw: the leaves after it are gone.
      const later = (await verifyFresh(store)).log!.checkpoint!.note;
      const size = (await store.ledger.readLog()).length;
      for (let i = size - 1; i >= size - 5; i--) await store.tamperLeaf(i, () => Buffer.alloc(0));
      const cut = await store.reopen(true);
      try {
        const v = await verifyLedger(cut, { publicKey: suiteSigner.publicKey, since: later });
        assert.equal(v.ok, false);
        assert.match(
          v.log!.since!.problem!,
          new RegExp(`the log has ${size - 5} leaves, fewer than the ${size}`),
        );
      } finally {
        await cut.close();
      }
    }));
}
