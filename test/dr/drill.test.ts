/**
 * Disaster recovery of the evidence with the real `tollgate` command, on both stores: backup,
 * restore into an empty store (refused into a non-empty one, refused from a changed backup),
 * verification, and `dr drill`, whose outcome lands in the live ledger as a `dr.drill` record.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateSigningKey, writePrivateKey } from '../../src/keys.js';
import { verifyLedger } from '../../src/audit/verify.js';
import { createLedger } from '../../src/ledger/create.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { attestArtifact, makeSeal, signerFromKey } from '../../src/ledger/seal.js';
import { sha256Hex } from '../../src/ledger/record.js';
import { createLogger } from '../../src/logging/logger.js';
import { tollgateProcess, writeConfig } from '../cli/support.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { promotionChain } from '../ledger/samples.js';

type LedgerConfig = { type: 'file'; path: string } | { type: 'postgres'; connectionString: string };

const logger = createLogger({ level: 'error', pretty: false });
const noop = { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } };
const ledgerKey = generateSigningKey();
const signer = signerFromKey(ledgerKey);
let postgres: PostgresServer;
let databases = 0;
let root: string;

before(async () => {
  postgres = await startPostgres();
  root = await mkdtemp(path.join(tmpdir(), 'tollgate-dr-test-'));
});
after(() => postgres.stop());

async function store(type: 'file' | 'postgres'): Promise<LedgerConfig> {
  return type === 'file'
    ? { type: 'file', path: await mkdtemp(path.join(root, 'ledger-')) }
    : { type: 'postgres', connectionString: await postgres.createDatabase(`dr_${databases++}`) };
}

async function withLedger<T>(config: LedgerConfig, body: (l: Ledger) => Promise<T>): Promise<T> {
  const ledger = await createLedger(config, { logger });
  try {
    return await body(ledger);
  } finally {
    await ledger.close();
  }
}

/** Two sealed promotion chains and one archived, attested history. */
async function fill(config: LedgerConfig): Promise<void> {
  await withLedger(config, async (ledger) => {
    for (const [id, scenario] of [
      ['billing-1', 'approved'],
      ['billing-2', 'rolled-back'],
    ] as const) {
      const stored = [];
      for (const input of promotionChain(id, scenario)) stored.push(await ledger.append(input));
      const head = stored.at(-1);
      assert.ok(head);
      await ledger.seal(makeSeal(signer, head, '2026-03-02T10:00:00Z'));
    }
    const history = Buffer.from('{"events":[]}');
    await ledger.putArtifact(
      'billing-1',
      'history-run1.json',
      history,
      attestArtifact(signer, 'billing-1', 'history-run1.json', sha256Hex(history)),
    );
  });
}

async function tollgate(ledger: LedgerConfig, args: string[]) {
  const dir = await mkdtemp(path.join(root, 'config-'));
  // The ledger key, as the workers hold it: a restored store signs a checkpoint over its new log.
  const ledgerSigningKey = path.join(dir, 'ledger.pem');
  await writePrivateKey(ledgerSigningKey, ledgerKey);
  const configFile = await writeConfig(dir, [{ name: 'dev', target: noop }], { ledger, ledgerSigningKey });
  return tollgateProcess(args, {
    PATH: process.env.PATH,
    HOME: dir,
    TOLLGATE_HOME: path.join(dir, 'home'),
    TOLLGATE_CONFIG: configFile,
  });
}

for (const kind of ['file', 'postgres'] as const) {
  void describe(`ledger backup, restore and dr drill on the ${kind} store`, () => {
    void it('restores a backup into an empty store only, where it verifies with the same heads', async () => {
      const live = await store(kind);
      await fill(live);
      const backup = path.join(await mkdtemp(path.join(root, 'backup-')), 'b');
      const made = await tollgate(live, ['ledger', 'backup', backup]);
      assert.equal(made.code, 0, made.stderr);
      assert.match(made.stdout, /backed up 2 chains \(\d+ records\) and 1 archived histories/);

      const intoLive = await tollgate(live, ['ledger', 'restore', backup]);
      assert.equal(intoLive.code, 2);
      assert.match(
        intoLive.stderr,
        /the target ledger is not empty \(2 chains, 1 artifacts\): restore only into an empty store/,
      );

      const target = await store(kind === 'file' ? 'postgres' : 'file');
      const restored = await tollgate(target, ['ledger', 'restore', backup]);
      assert.equal(restored.code, 0, restored.stderr);
      assert.match(restored.stdout, /restored 2 chains .* verify: ok/);
      const heads = (c: LedgerConfig) =>
        withLedger(c, async (l) =>
          (await l.listChains()).map((x) => `${x.chainId} ${x.headHash} ${x.sealed}`),
        );
      assert.deepEqual(await heads(target), await heads(live));
      await withLedger(target, async (l) => {
        const check = await verifyLedger(l, { publicKey: signer.publicKey });
        assert.ok(
          check.ok,
          JSON.stringify({ chains: check.chains.flatMap((c) => c.problems), log: check.log }),
        );
        assert.equal(check.artifacts.length, 1);
      });
    });

    void it('refuses a backup whose records were changed after it was taken', async () => {
      const live = await store(kind);
      await fill(live);
      const backup = path.join(await mkdtemp(path.join(root, 'backup-')), 'b');
      assert.equal((await tollgate(live, ['ledger', 'backup', backup])).code, 0);
      const chain = path.join(backup, 'chains/000000.jsonl');
      await writeFile(chain, (await readFile(chain, 'utf8')).replace('billing-api', 'billing-apj'));
      const run = await tollgate(await store(kind), ['ledger', 'restore', backup]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /chains\/000000\.jsonl: chain billing-\d does not verify: record #\d+: /);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    });

    void it('dr drill restores into a scratch store, verifies, and records dr.drill in the live ledger', async () => {
      const live = await store(kind);
      await fill(live);
      const args = ['--json', 'dr', 'drill'];
      if (kind === 'postgres')
        args.push('--scratch-postgres', await postgres.createDatabase(`dr_${databases++}`));
      const run = await tollgate(live, args);
      assert.equal(run.code, 0, run.stderr);
      const printed = JSON.parse(run.stdout) as { result: string; verify: { chains: number } };
      assert.equal(printed.result, 'passed');
      assert.equal(printed.verify.chains, 2);

      const records = await withLedger(live, (l) => l.read('dr-drills'));
      assert.equal(records.length, 1);
      const drill = records[0]!;
      assert.equal(drill.type, 'dr.drill');
      assert.equal(drill.data.result, 'passed');
      assert.match(String(drill.data.backupAt), /^\d{4}-\d\d-\d\dT/);
      assert.match(String(drill.data.restoredInto), kind === 'file' ? /^file:\// : /^postgres/);
      assert.deepEqual((drill.data.verify as { problems: string[] }).problems, []);
      assert.ok(drill.controls.includes('ISO27001:A.8.13'));

      // A second drill backs up the first one's record too, and still passes.
      const again = await tollgate(live, args.slice(0, 3));
      assert.equal(again.code, 0, again.stderr);
      assert.equal((await withLedger(live, (l) => l.read('dr-drills'))).length, 2);
    });
  });
}
