/**
 * A stage worker's identity from its own config: the key it signs with, the key id auditors see,
 * a clear error for a key file that is not one, and the `workers:` trust section checked like
 * every other config field.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import {
  fingerprint,
  generateSigningKey,
  publicKeyText,
  rawPublicKey,
  writePrivateKey,
} from '../../src/approvals/keys.js';
import { loadWorkerIdentity, trustedWorkers } from '../../src/config/worker-identity.js';
import { tollgateProcess, writeConfig } from '../cli/support.js';

let dir: string;
const noop = { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } };

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tollgate-worker-identity-'));
});

void test('a worker signs as its configured identity, with a key id naming its key', async () => {
  const key = generateSigningKey();
  const file = path.join(dir, 'prod-worker.pem');
  await writePrivateKey(file, key);
  const identity = await loadWorkerIdentity({ worker: { identity: 'prod-worker', signingKey: file } });
  assert.equal(identity.identity, 'prod-worker');
  assert.equal(identity.keyId, `worker:prod-worker:${fingerprint(rawPublicKey(key))}`);
});

void test('a signing key file that is not a key is refused with what to fix', async () => {
  const file = path.join(dir, 'not-a-key.pem');
  await writeFile(file, 'hello\n');
  await assert.rejects(
    loadWorkerIdentity({ worker: { identity: 'prod-worker', signingKey: file } }),
    (err: Error) =>
      err.message.startsWith(`worker signing key ${file}:`) && /fix worker\.signingKey/.test(err.message),
  );
});

void test('without a workers: section, the installation trusts its own worker for every stage', async () => {
  const home = path.join(dir, 'home');
  const previous = process.env.TOLLGATE_HOME;
  process.env.TOLLGATE_HOME = home;
  try {
    const config = { worker: { identity: 'local' }, workers: [] };
    assert.deepEqual(await trustedWorkers(config, ['dev', 'prod']), [], 'no key yet: nobody is trusted');
    const own = await loadWorkerIdentity(config);
    const trusted = await trustedWorkers(config, ['dev', 'prod']);
    assert.deepEqual(
      trusted.map((w) => [w.identity, w.stages, `worker:${w.identity}:${fingerprint(w.publicKey)}`]),
      [['local', ['dev', 'prod'], own.keyId]],
    );
  } finally {
    if (previous === undefined) delete process.env.TOLLGATE_HOME;
    else process.env.TOLLGATE_HOME = previous;
  }
});

void test('config validate: a trusted worker needs a real public key and at least one stage', async () => {
  const good = publicKeyText(generateSigningKey());
  const file = await writeConfig(dir, [{ name: 'dev', target: noop }], {
    workers: [
      { identity: 'dev-worker', publicKey: good, stages: ['dev'] },
      { identity: 'prod-worker', publicKey: 'rsa:AAAA', stages: [] },
    ],
  });
  const run = await tollgateProcess(['--config', file, 'config', 'validate'], {
    PATH: process.env.PATH,
    HOME: dir,
    TOLLGATE_HOME: path.join(dir, 'home'),
  });
  assert.equal(run.code, 2, run.stdout + run.stderr);
  assert.match(run.stderr, /workers\.1\.publicKey|workers\[1\]\.publicKey/);
  assert.match(run.stderr, /ed25519:<base64>/);
});
