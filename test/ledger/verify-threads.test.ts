/**
 * Threaded verification of long chains must give exactly the verdict of the single-threaded
 * pass: same first bad record, same reason, same head and seal result, wherever the damage is
 * (inside a slice, on a slice boundary, in the last slice).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChainSeal } from '../../src/ledger/ledger.js';
import { buildRecord, GENESIS_HASH } from '../../src/ledger/record.js';
import { claimedHashes } from '../../src/ledger/log-cross-check.js';
import { checkLongChain, verifyLongChain } from '../../src/ledger/verify-threads.js';
import { verifyChain } from '../../src/ledger/verify.js';
import { promotionChain } from './samples.js';

const CHAIN = 'p-long';
const LENGTH = 3_000;
/** Small slices, so a few thousand records cross many slice boundaries on two threads. */
const threaded = { threads: 2, threadedFrom: 0, slice: 400 };

const raw: string[] = (() => {
  const shapes = promotionChain(CHAIN, 'approved');
  const lines: string[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 0; seq < LENGTH; seq++) {
    const record = buildRecord(
      { ...shapes[seq % shapes.length]!, chainId: CHAIN, promotionId: CHAIN, seq },
      prev,
    );
    prev = record.hash;
    lines.push(JSON.stringify(record));
  }
  return lines;
})();

const edit = (seq: number, change: (r: Record<string, unknown>) => void) => {
  const copy = [...raw];
  const record = JSON.parse(copy[seq]!) as Record<string, unknown>;
  change(record);
  copy[seq] = JSON.stringify(record);
  return copy;
};

const damaged: Record<string, string[]> = {
  intact: raw,
  'data changed inside a slice': edit(1_234, (r) => (r.actor = { id: 'mallory', channel: 'cli' })),
  'first record of a slice changed': edit(800, (r) => (r.time = '2020-01-01T00:00:00.000Z')),
  'last record of a slice relinked': edit(799, (r) => (r.prevHash = 'f'.repeat(64))),
  'record removed': raw.filter((_, i) => i !== 1_600),
  'records swapped': raw.map((r, i) => (i === 2_000 ? raw[2_001]! : i === 2_001 ? raw[2_000]! : r)),
  'last line not JSON': [...raw.slice(0, -1), '{"torn":'],
  'two bad records, the earlier wins': edit(2_500, (r) => (r.type = 'x')).map((r, i) =>
    i === 450 ? r.replace('"seq":450', '"seq":451') : r,
  ),
};

for (const [name, records] of Object.entries(damaged)) {
  void test(`threaded verification agrees with one thread: ${name}`, async () => {
    const expected = verifyChain(CHAIN, records, undefined);
    assert.equal(expected.ok, name === 'intact');
    assert.deepEqual(await verifyLongChain(CHAIN, records, undefined, threaded), expected);
  });

  // What the cross-check with the log compares: the threads' answer, even past a bad record.
  void test(`threaded verification names the hash each record claims: ${name}`, async () => {
    const { claimed } = await checkLongChain(CHAIN, records, undefined, threaded);
    assert.deepEqual(claimed, claimedHashes(records));
    assert.equal(claimed.length, records.length);
  });
}

void test('threaded verification reports a seal over the head, and records appended after it', async () => {
  const head = JSON.parse(raw[LENGTH - 1]!) as { hash: string };
  const sealed: ChainSeal = { chainId: CHAIN, seq: LENGTH - 1, headHash: head.hash } as ChainSeal;
  const early: ChainSeal = { ...sealed, seq: 1_000, headHash: head.hash };
  for (const seal of [sealed, early]) {
    const expected = verifyChain(CHAIN, raw, seal);
    assert.deepEqual(await verifyLongChain(CHAIN, raw, seal, threaded), expected);
  }
  assert.equal((await verifyLongChain(CHAIN, raw, sealed, threaded)).seal, 'unchecked');
  assert.match(
    (await verifyLongChain(CHAIN, raw, early, threaded)).problems.join('\n'),
    /sealed head hash differs from record #1000[\s\S]*appended after the promotion was sealed/,
  );
});
