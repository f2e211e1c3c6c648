import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Command } from 'commander';
import * as tar from 'tar';
import { writePrivateKey } from '../../src/keys.js';
import { exportBundle, publicKeyText, verifyBundle } from '../../src/audit/bundle.js';
import { registerAuditCommands } from '../../src/cli/commands/audit.js';
import { createLedger } from '../../src/ledger/create.js';
import { fileLayout } from '../../src/ledger/file-layout.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import type { EvidenceInput, EvidenceRecord } from '../../src/domain/evidence.js';
import { buildRecord, GENESIS_HASH, sha256Hex } from '../../src/ledger/record.js';
import type { InclusionProof } from '../../src/domain/ledger-log.js';
import { openCheckpoint } from '../../src/ledger/checkpoint.js';
import { leafHash, verifyInclusion } from '../../src/ledger/merkle.js';
import { attestArtifact, makeSeal, signerFromKey } from '../../src/ledger/seal.js';
import { createLogger } from '../../src/logging/logger.js';
import { promotionChain } from '../ledger/samples.js';

const logger = createLogger({ level: 'error', pretty: false });
const root = await mkdtemp(path.join(tmpdir(), 'tollgate-bundle-test-'));
const ledgerDir = path.join(root, 'ledger');
const keyFile = path.join(root, 'ledger-key.pem');
const key = generateKeyPairSync('ed25519').privateKey;
const signer = signerFromKey(key);
let ledger: Ledger;

before(async () => {
  await writePrivateKey(keyFile, key);
  ledger = await createLedger({ type: 'file', path: ledgerDir }, { logger, signer });
  for (const [id, scenario, start] of [
    ['p-old', 'approved', '2026-01-01T00:00:00Z'],
    ['p-a', 'approved', '2026-03-02T09:00:00Z'],
    ['p-b', 'rolled-back', '2026-03-03T09:00:00Z'],
  ] as const) {
    const records = [];
    for (const input of promotionChain(id, scenario, { start: new Date(start) }))
      records.push(await ledger.append(input));
    await ledger.seal(makeSeal(signer, records.at(-1)!, '2026-03-05T00:00:00.000Z'));
  }
  const history = await readFile(new URL('../fixtures/histories/smoke.json', import.meta.url));
  await ledger.putArtifact(
    'p-a',
    'history-run-a.json',
    history,
    attestArtifact(signer, 'p-a', 'history-run-a.json', sha256Hex(history)),
  );
});
after(async () => {
  await ledger.close();
  await rm(root, { recursive: true, force: true });
});

/** Unpacks a bundle, lets `edit` change files, packs it again. */
async function rewriteBundle(
  bundle: string,
  out: string,
  edit: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(path.join(root, 'edit-'));
  await tar.extract({ file: bundle, cwd: dir });
  await edit(dir);
  await tar.create({ gzip: true, file: out, cwd: dir }, ['.']);
}

void test('an exported bundle verifies offline against the pinned ledger key', async () => {
  const out = path.join(root, 'bundle.tar.gz');
  const result = await exportBundle(ledger, {
    since: '2026-03-01T00:00:00Z',
    out,
    publicKey: signer.publicKey,
  });
  assert.equal(result.promotions, 2);
  const verified = await verifyBundle(out, { publicKey: signer.publicKey, logger });
  assert.equal(verified.ok, true, JSON.stringify(verified, null, 2));
  assert.deepEqual(verified.promotions, ['p-a', 'p-b']);
  assert.equal(verified.key.source, 'pinned');
  assert.deepEqual(
    verified.ledger?.chains.map((c) => [c.chainId, c.seal]),
    [
      ['p-a', 'valid'],
      ['p-b', 'valid'],
    ],
  );
  assert.equal(verified.ledger?.artifacts[0]?.ok, true);

  const otherKey = generateKeyPairSync('ed25519').publicKey;
  const wrongKey = await verifyBundle(out, { publicKey: otherKey, logger });
  assert.equal(wrongKey.ok, false, 'a bundle sealed by another key is refused');
});

void test('an edited record is caught by the manifest, and by the chain even when the manifest is updated too', async () => {
  const out = path.join(root, 'bundle2.tar.gz');
  await exportBundle(ledger, { since: '2026-03-01T00:00:00Z', out, publicKey: signer.publicKey });
  const chainRel = path.relative('.', fileLayout.chainFile('ledger', 'p-b'));
  const forge = async (dir: string) => {
    const file = path.join(dir, chainRel);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"verdict":"fail"', '"verdict":"pass"'));
  };

  const edited = path.join(root, 'edited.tar.gz');
  await rewriteBundle(out, edited, forge);
  const result = await verifyBundle(edited, { publicKey: signer.publicKey, logger });
  assert.equal(result.ok, false);
  assert.match(result.manifestProblems.join(), /p-b\.jsonl: sha256 differs from the manifest/);
  assert.equal(result.ledger?.firstBad?.chainId, 'p-b');

  const resealed = path.join(root, 'resealed.tar.gz');
  await rewriteBundle(out, resealed, async (dir) => {
    await forge(dir);
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as {
      files: Record<string, string>;
    };
    manifest.files[chainRel] = sha256Hex(await readFile(path.join(dir, chainRel)));
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  });
  const second = await verifyBundle(resealed, { publicKey: signer.publicKey, logger });
  assert.deepEqual(second.manifestProblems, []);
  assert.equal(second.ok, false);
  assert.match(second.ledger?.firstBad?.reason ?? '', /hash does not match/);

  // Every hash recomputed after the edit: the chain links, but the signed log holds other records.
  const recomputed = path.join(root, 'recomputed.tar.gz');
  await rewriteBundle(out, recomputed, async (dir) => {
    const file = path.join(dir, chainRel);
    let prev = GENESIS_HASH;
    const lines = (await readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => {
        const input: Partial<EvidenceRecord> = JSON.parse(
          line.replace('"verdict":"fail"', '"verdict":"pass"'),
        ) as EvidenceRecord;
        delete input.hash;
        delete input.prevHash;
        const record = buildRecord(input as EvidenceInput, prev);
        prev = record.hash;
        return JSON.stringify(record);
      });
    await writeFile(file, `${lines.join('\n')}\n`);
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as {
      files: Record<string, string>;
    };
    manifest.files[chainRel] = sha256Hex(await readFile(file));
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  });
  const third = await verifyBundle(recomputed, { publicKey: signer.publicKey, logger });
  assert.equal(third.ok, false);
  assert.match(third.log?.problems.join() ?? '', /p-b#\d+: no proof shows this record in the signed log/);
});

void test('a bundle verifies offline against a checkpoint received separately, older or the same', async () => {
  const early = (await ledger.readCheckpoints())[0]!;
  const out = path.join(root, 'bundle-cp.tar.gz');
  await exportBundle(ledger, { since: '2026-03-01T00:00:00Z', out, publicKey: signer.publicKey });
  const latest = (await ledger.readCheckpoints()).at(-1)!;
  for (const checkpoint of [latest, early]) {
    const v = await verifyBundle(out, { publicKey: signer.publicKey, logger, checkpoint });
    assert.equal(v.ok, true, JSON.stringify(v.log));
    assert.ok((v.log?.proven ?? 0) > 20, 'every record and seal of the bundle is proven');
  }

  // A proof's leaf edited to match an edited record no longer leads to the signed root.
  const forged = path.join(root, 'forged-proofs.tar.gz');
  await rewriteBundle(out, forged, async (dir) => {
    const proofs = path.join(dir, 'log', 'proofs.jsonl');
    const text = await readFile(proofs, 'utf8');
    await writeFile(
      proofs,
      text.replace(/"hash\\":\\"[0-9a-f]/, (m) => `${m.slice(0, -1)}${m.endsWith('0') ? '1' : '0'}`),
    );
  });
  const refused = await verifyBundle(forged, { publicKey: signer.publicKey, logger, checkpoint: latest });
  assert.equal(refused.ok, false);
  assert.match(refused.log!.problems.join(), /does not hash to the checkpoint's root/);
});

void test('a checkpoint by another key, or of another tree, is refused with the reason', async () => {
  const out = path.join(root, 'bundle-bad-cp.tar.gz');
  await exportBundle(ledger, { since: '2026-03-01T00:00:00Z', out, publicKey: signer.publicKey });
  const stranger = signerFromKey(generateKeyPairSync('ed25519').privateKey);
  const otherDir = path.join(root, 'other-ledger');
  const other = await createLedger({ type: 'file', path: otherDir }, { logger, signer: stranger });
  for (const input of promotionChain('p-x', 'approved')) await other.append(input);
  await other.checkpoint();
  const foreign = (await other.readCheckpoints()).at(-1)!;
  await other.close();
  await assert.rejects(
    verifyBundle(out, { publicKey: signer.publicKey, logger, checkpoint: foreign }),
    /--checkpoint: checkpoint of log tollgate\.ledger\/[0-9a-f]+, but the trusted ledger key's log is/,
  );

  // Same key, same size, another tree: a ledger that forked.
  const ours = (await ledger.readCheckpoints()).at(-1)!;
  const size = Number(ours.split('\n')[1]);
  const forkDir = path.join(root, 'fork-ledger');
  const fork = await createLedger({ type: 'file', path: forkDir }, { logger, signer });
  for (let i = 0; (await fork.readLog()).length < size; i++)
    await fork.appendNext({
      ...promotionChain('p-fork', 'approved')[0]!,
      chainId: 'p-fork',
      time: `2026-03-0${(i % 9) + 1}T00:00:00.000Z`,
    });
  await fork.checkpoint();
  const forked = (await fork.readCheckpoints()).at(-1)!;
  await fork.close();
  const v = await verifyBundle(out, { publicKey: signer.publicKey, logger, checkpoint: forked });
  assert.equal(v.ok, false);
  assert.match(
    v.log!.problems.join(),
    new RegExp(`sign different trees of ${size} leaves \\(a proof for another tree\\)`),
  );
});

void test('a file that is not a bundle is a clear error', async () => {
  const junk = path.join(root, 'junk.tar.gz');
  await writeFile(junk, 'not a tarball');
  await assert.rejects(verifyBundle(junk, { logger }), /junk\.tar\.gz: not a readable evidence bundle/);
  const empty = path.join(root, 'empty.tar.gz');
  await mkdir(path.join(root, 'empty-dir'));
  await writeFile(path.join(root, 'empty-dir', 'hello.txt'), 'hi');
  await tar.create({ gzip: true, file: empty, cwd: path.join(root, 'empty-dir') }, ['hello.txt']);
  await assert.rejects(verifyBundle(empty, { logger }), /has no readable manifest\.json/);
});

void test('the audit CLI verifies, reports, exports and checks a bundle', async () => {
  const output: string[] = [];
  const run = async (...args: string[]) => {
    const program = new Command().exitOverride();
    registerAuditCommands(program, {
      loadConfig: () =>
        Promise.resolve({ ledger: { type: 'file', path: ledgerDir }, ledgerSigningKey: keyFile }),
      out: (text) => output.push(text),
      json: true,
    });
    process.exitCode = 0;
    await program.parseAsync(['node', 'tollgate', 'audit', ...args]);
    const code = process.exitCode;
    process.exitCode = 0;
    return { code, json: JSON.parse(output.pop() ?? 'null') as Record<string, unknown> };
  };

  const verified = await run('verify', '--all');
  assert.equal(verified.code, 0);
  assert.equal(verified.json.ok, true);
  assert.equal((verified.json.chains as unknown[]).length, 3);

  const bundle = path.join(root, 'cli-bundle.tar.gz');
  assert.equal((await run('export', '--since', '2026-03-02T00:00:00Z', '--out', bundle)).json.promotions, 2);
  const bundled = await run('verify', '--bundle', bundle, '--public-key', publicKeyText(signer.publicKey));
  assert.equal(bundled.json.ok, true);

  // An inclusion proof that checks offline against the checkpoint it names.
  const proved = await run('prove', 'p-b#3');
  assert.equal(proved.code, 0);
  const { proof, checkpoint } = proved.json as { proof: InclusionProof; checkpoint: string };
  assert.match(proof.leaf, /"chainId":"p-b".*"seq":3\}$/);
  const signed = openCheckpoint(checkpoint, signer.publicKey);
  assert.ok(
    verifyInclusion(
      proof.leafIndex,
      proof.treeSize,
      leafHash(proof.leaf),
      proof.hashes.map((h) => Buffer.from(h, 'base64')),
      signed.root,
    ),
  );

  // The checkpoint this verification trusted, kept for the next one.
  const kept = path.join(root, 'kept-checkpoint.txt');
  await writeFile(kept, (verified.json.log as { checkpoint: { note: string } }).checkpoint.note);
  const since = await run('verify', '--since', kept);
  assert.equal(since.code, 0);
  assert.equal((since.json.log as { since: { ok: boolean } }).since.ok, true);

  const csv = path.join(root, 'p-b.csv');
  await run('report', 'p-b', '--format', 'csv', '--out', csv);
  assert.match(await readFile(csv, 'utf8'), /^section,/);
});
