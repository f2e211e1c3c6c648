import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Writable } from 'node:stream';
import { createLedger } from '../../src/ledger/create.js';
import { fileLayout } from '../../src/ledger/file-layout.js';
import { LedgerIntegrityError, type Ledger } from '../../src/ledger/ledger.js';
import { verifyChain } from '../../src/ledger/verify.js';
import { createLogger } from '../../src/logging/logger.js';
import { verifyLedger } from '../../src/audit/verify.js';
import { makeSeal } from '../../src/ledger/seal.js';
import { ledgerSuite, suiteSigner } from './ledger-suite.js';
import { promotionChain } from './samples.js';

const root = await mkdtemp(path.join(tmpdir(), 'tollgate-ledger-'));
after(() => rm(root, { recursive: true, force: true }));
let counter = 0;

/** A logger whose warnings the test can read. */
function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level: 'warn', destination }), lines };
}

async function openAt(dir: string, logger = capturingLogger().logger, readOnly = false): Promise<Ledger> {
  return createLedger({ type: 'file', path: dir }, { logger, signer: suiteSigner, readOnly });
}

/** Replaces the bytes of line `seq` (its newline stays, unless the line is removed). */
async function tamperLine(file: string, seq: number, mutate: (stored: Buffer) => Buffer): Promise<void> {
  const bytes = await readFile(file);
  const starts = [0];
  bytes.forEach((b, i) => b === 0x0a && i + 1 < bytes.length && starts.push(i + 1));
  const start = starts[seq]!;
  const end = bytes.indexOf(0x0a, start);
  const replacement = mutate(bytes.subarray(start, end));
  const rest = replacement.length === 0 ? bytes.subarray(end + 1) : bytes.subarray(end);
  await writeFile(file, Buffer.concat([bytes.subarray(0, start), replacement, rest]));
}

ledgerSuite(async () => {
  const dir = path.join(root, `suite-${counter++}`);
  const ledger = await openAt(dir);
  return {
    ledger,
    config: { type: 'file', path: dir },
    tamper: (chainId, seq, mutate) => tamperLine(fileLayout.chainFile(dir, chainId), seq, mutate),
    reopen: (readOnly) => openAt(dir, undefined, readOnly),
    replaceChain: async (chainId, texts) => {
      const file = fileLayout.chainFile(dir, chainId);
      if (texts) await writeFile(file, texts.map((t) => `${t}\n`).join(''));
      else await rm(file);
    },
    deleteSeal: (chainId) => rm(fileLayout.sealFile(dir, chainId)),
    tamperLeaf: (index, mutate) => tamperLine(fileLayout.logFile(dir), index, mutate),
  };
});

void test('a partial last line is reported by read-only verification, and cut and recorded by the next writer', async () => {
  const dir = path.join(root, 'torn');
  const inputs = promotionChain('p-torn', 'approved');
  const first = await openAt(dir);
  for (const input of inputs.slice(0, 3)) await first.append(input);
  await first.checkpoint();
  await first.close();
  const file = fileLayout.chainFile(dir, 'p-torn');
  // What a crash half-way through writing record #3 leaves behind.
  await appendFile(file, '{"chainId":"p-torn","seq":3,"promotionId":"p-to');
  const torn = await readFile(file);
  const logBefore = await readFile(fileLayout.logFile(dir));

  const reader = await openAt(dir, undefined, true);
  const v = await verifyLedger(reader, { publicKey: suiteSigner.publicKey });
  await reader.close();
  assert.equal(v.ok, true, 'an unacknowledged partial append is no lost evidence');
  assert.deepEqual(v.tornTails, [{ where: path.join('chains', 'p-torn.jsonl'), bytes: 47 }]);
  assert.deepEqual(await readFile(file), torn, 'verification never changes a file');
  assert.deepEqual(await readFile(fileLayout.logFile(dir)), logBefore);
  assert.deepEqual(
    (await readdir(path.join(dir, 'chains'))).filter((n) => n.endsWith('.lock')),
    [],
    'verification takes no lock',
  );

  const { logger, lines } = capturingLogger();
  const writer = await openAt(dir, logger);
  for (const input of inputs.slice(3)) await writer.append(input);
  await writer.seal(makeSeal(suiteSigner, (await writer.read('p-torn')).at(-1)!, '2026-03-02T12:00:00.000Z'));
  assert.match(lines.join(), /partial line from an interrupted append; truncating it/);
  const after = await verifyLedger(writer, { publicKey: suiteSigner.publicKey });
  assert.equal(after.ok, true, [...after.chains[0]!.problems, ...after.log!.problems].join('; '));
  assert.deepEqual(after.tornTails, []);
  assert.match(after.log!.recoveries.join(), /p-torn: cut a partial last record of 47 bytes/);
  await writer.close();
});

void test('records a crash left unlogged are logged late by the next writer of the chain, and recorded as such', async () => {
  const dir = path.join(root, 'late');
  const inputs = promotionChain('p-late', 'approved');
  const ledger = await openAt(dir);
  for (const input of inputs.slice(0, 4)) await ledger.append(input);
  await ledger.close();
  // A crash after record #3 reached its chain and before its leaf reached the log.
  await tamperLine(fileLayout.logFile(dir), 3, () => Buffer.alloc(0));
  const reader = await openAt(dir, undefined, true);
  const before = await verifyLedger(reader);
  await reader.close();
  assert.equal(before.ok, false);
  assert.match(before.chains[0]!.problems.join(), /records #3\.\.#3 are not in the log/);

  const writer = await openAt(dir);
  await writer.append(inputs[3]!);
  await writer.append(inputs[4]!);
  await writer.checkpoint();
  assert.equal(inputs.length > 5, true, 'the promotion is still running, so unsealed');
  const v = await verifyLedger(writer, { publicKey: suiteSigner.publicKey });
  assert.equal(v.ok, true, v.chains[0]!.problems.join('; '));
  assert.match(v.log!.recoveries.join(), /records #3\.\.#3 were written before a crash and logged late/);
  await writer.close();
});

void test('a damaged line in the middle of a chain is an integrity error, never dropped', async () => {
  const dir = path.join(root, 'corrupt');
  const ledger = await openAt(dir);
  for (const input of promotionChain('p-corrupt', 'approved').slice(0, 4)) await ledger.append(input);
  await ledger.close();
  await tamperLine(fileLayout.chainFile(dir, 'p-corrupt'), 1, (bytes) => bytes.subarray(0, 20));

  const reopened = await openAt(dir);
  await assert.rejects(
    reopened.read('p-corrupt'),
    (err: Error) =>
      err instanceof LedgerIntegrityError && /p-corrupt\.jsonl line 2: not valid JSON/.test(err.message),
  );
  const raw = await reopened.readRaw('p-corrupt');
  assert.equal(raw.length, 4, 'no line was dropped');
  const result = verifyChain('p-corrupt', raw, undefined);
  assert.deepEqual(result.firstBad, { chainId: 'p-corrupt', seq: 1, reason: 'not valid JSON' });
  await reopened.close();
});

void test('an archive index rewritten behind an open ledger is read again, not served from memory', async () => {
  const dir = path.join(root, 'index-rewritten');
  const ledger = await openAt(dir);
  after(() => ledger.close());
  await ledger.putArtifact('p-one', 'history-1.json', Buffer.from('{"one":1}'));
  await ledger.putArtifact('p-two', 'history-2.json', Buffer.from('{"two":2}'));
  assert.equal((await ledger.listArtifacts()).length, 2);
  // Someone with write access renames the second entry (shorter, so the file shrinks, but it
  // keeps its two lines): the open ledger must show what the file now says.
  const index = fileLayout.artifactIndex(dir);
  await writeFile(index, (await readFile(index, 'utf8')).replace('history-2.json', 'h-9.json'));
  assert.deepEqual(
    (await ledger.listArtifacts()).map((e) => `${e.promotionId}/${e.name}`),
    ['p-one/history-1.json', 'p-two/h-9.json'],
  );
});

void test('a relative ledger path is resolved against the base directory', async () => {
  const ledger = await createLedger(
    { type: 'file', path: 'rel/ledger' },
    { baseDir: root, logger: capturingLogger().logger },
  );
  await ledger.append(promotionChain('p-rel', 'approved')[0]!);
  await ledger.close();
  assert.ok((await readFile(fileLayout.chainFile(path.join(root, 'rel/ledger'), 'p-rel'))).length > 0);
});

void test('reads that arrive together on a freshly opened store each see every record and archive once', async () => {
  const dir = path.join(root, `concurrent-reads-${++counter}`);
  let writer = await openAt(dir);
  const ids = Array.from({ length: 20 }, (_, i) => `concurrent-${i}`);
  for (const id of ids) {
    for (const input of promotionChain(id, 'approved')) await writer.append(input);
    await writer.putArtifact(id, 'history.json', Buffer.from(`{"id":"${id}"}`));
  }
  await writer.close();

  // A fresh store indexes each file on first read: twenty readers at once must not index it twice.
  writer = await openAt(dir, undefined, true);
  try {
    const archives = await Promise.all(ids.map((id) => writer.listArtifacts(id)));
    assert.deepEqual(
      archives.map((a) => a.length),
      ids.map(() => 1),
    );
    const chains = await Promise.all(ids.map(() => writer.read(ids[0]!)));
    const expected = promotionChain(ids[0]!, 'approved').length;
    assert.deepEqual(
      chains.map((c) => c.length),
      ids.map(() => expected),
    );
  } finally {
    await writer.close();
  }
});

void test('reads while the same store appends see whole records only, never a line cut in the middle', async () => {
  const dir = path.join(root, `read-while-append-${++counter}`);
  const ledger = await openAt(dir);
  try {
    const chain = promotionChain('read-while-append', 'approved');
    // Reads keep arriving while records are appended, as a status query or a test's poll does
    // against a running worker: a read that indexed an append in flight used to index that line
    // twice and cut every later line in the middle.
    let appending = true;
    const reader = async (): Promise<number> => {
      let reads = 0;
      try {
        while (appending) {
          const records = await ledger.read(chain[0]!.chainId);
          assert.ok(records.length <= chain.length);
          reads++;
        }
        return reads;
      } finally {
        appending = false;
      }
    };
    const readers = [reader(), reader(), reader()];
    for (const input of chain) if (appending) await ledger.append(input);
    appending = false;
    assert.ok((await Promise.all(readers)).every((n) => n > 0));
    const stored = await ledger.read(chain[0]!.chainId);
    assert.deepEqual(
      stored.map((r) => r.seq),
      chain.map((_, i) => i),
    );
  } finally {
    await ledger.close();
  }
});
