/**
 * Group commit, run against each store by ledger-suite.ts: appends made at once, from one
 * process and from several, are batched, yet every caller gets its own answer, every record is
 * stored and logged exactly once in its chain's order, and a conflicting append in a batch is
 * refused alone.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { verifyLedger } from '../../src/audit/verify.js';
import type { LogLeaf } from '../../src/domain/ledger-log.js';
import { LedgerConflictError } from '../../src/ledger/ledger.js';
import { makeSeal } from '../../src/ledger/seal.js';
import { promotionChain } from './samples.js';
import { suiteSigner, type StoreUnderTest } from './ledger-suite.js';

const run = promisify(execFile);

export function groupCommitSuite(
  withStore: (fn: (store: StoreUnderTest) => Promise<void>) => Promise<void>,
): void {
  void test(
    '16 appenders at once from two processes: verify passes and every record is logged once, in chain order',
    { timeout: 120_000 },
    () =>
      withStore(async ({ ledger, config }) => {
        const worker = (tag: string) =>
          run(process.execPath, [
            '--import',
            'tsx',
            'test/ledger/append-worker.ts',
            JSON.stringify(config),
            'concurrent',
            tag,
            '8',
          ]);
        await Promise.all([worker('g-a'), worker('g-b')]);
        const chainIds = ['g-a', 'g-b'].flatMap((tag) => Array.from({ length: 8 }, (_, k) => `${tag}-${k}`));
        // Sealed as their promotions would be when they end (the seal also signs a checkpoint).
        for (const chainId of chainIds)
          await ledger.seal(
            makeSeal(suiteSigner, (await ledger.read(chainId)).at(-1)!, '2026-03-02T12:00:00.000Z'),
          );
        const whole = await verifyLedger(ledger, { publicKey: suiteSigner.publicKey });
        assert.equal(
          whole.ok,
          true,
          [...whole.chains.flatMap((c) => c.problems), ...whole.log!.problems].join('; '),
        );
        const expected = promotionChain('x', 'approved').length;
        const leaves = (await ledger.readLog()).map((text) => JSON.parse(text) as LogLeaf);
        for (const chainId of chainIds) {
          const records = await ledger.read(chainId);
          assert.equal(records.length, expected, `${chainId}: every record stored once`);
          const logged = leaves.filter((l) => l.kind === 'record' && l.chainId === chainId);
          assert.deepEqual(
            logged.map((l) => (l.kind === 'record' ? [l.seq, l.hash] : [])),
            records.map((r) => [r.seq, r.hash]),
            `${chainId}: each record logged once, in sequence order`,
          );
        }
        // Eight appenders of each process shared one security chain at its next sequence number.
        const shared = await ledger.read('security:g-shared');
        assert.equal(shared.length, 2 * 8 * 3, 'every appendNext got a sequence number of its own');
        assert.deepEqual(
          shared.map((r) => r.seq),
          shared.map((_, i) => i),
        );
      }),
  );

  void test('in a batch of appends made at once, a conflicting one is refused and the others are stored', () =>
    withStore(async ({ ledger }) => {
      const inputs = promotionChain('p-batch', 'approved');
      await ledger.append(inputs[0]!);
      const forged = { ...inputs[0]!, actor: { id: 'mallory', channel: 'cli' as const } };
      const outcomes = await Promise.allSettled([
        ...inputs.slice(1, 5).map((input) => ledger.append(input)),
        ledger.append(forged),
        ledger.append(inputs[0]!),
        ...promotionChain('p-batch-other', 'approved')
          .slice(0, 3)
          .map((input) => ledger.append(input)),
      ]);
      const refused = outcomes.filter((o) => o.status === 'rejected');
      assert.equal(refused.length, 1, 'only the conflicting append is refused');
      assert.ok(refused[0]!.reason instanceof LedgerConflictError);
      assert.match(String(refused[0]!.reason), /p-batch#0 already exists with different content.*actor/);
      assert.equal(outcomes[4]!.status, 'rejected', 'the forged record is the refused one');
      const stored = await ledger.read('p-batch');
      assert.equal(stored.length, 5);
      assert.deepEqual(stored[0]!.actor, inputs[0]!.actor, 'the stored record is not overwritten');
      assert.equal((await ledger.read('p-batch-other')).length, 3);
    }));
}
