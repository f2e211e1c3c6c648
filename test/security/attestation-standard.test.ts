/**
 * A stage attestation issued by the orchestration activity is a standard in-toto Statement in a
 * DSSE envelope: securesystemslib accepts it, and rejects it once a byte has changed; `tollgate
 * attest verify` says the same, with the config's keys and rules.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createTrustActivities, sealPolicyResult, workerTrust } from '../../activities/trust.js';
import { dsseKeyId } from '../../src/approvals/dsse.js';
import type { DsseEnvelope } from '../../src/domain/attestation.js';
import { createLogger } from '../../src/logging/logger.js';
import { TollgateConfig } from '../../src/config/schema.js';
import { Release } from '../../src/domain/release.js';
import {
  generateSigningKey,
  newNonce,
  principalKeyId,
  publicKeyText,
  rawPublicKey,
  signAction,
} from '../../src/keys.js';
import { prepareSignedStart } from '../../src/promotion/prepare.js';
import { pythonWithSecuresystemslib } from '../helpers/python-dsse.js';
import { tollgateCommand } from '../helpers/cli-process.js';

const run = promisify(execFile);

// No Temporal server here: this file must not load the workflow test harness (its runtime would
// keep the process alive), so it makes its own config, keys and release.
const orchestrationKey = generateSigningKey();
const aliceKey = generateSigningKey();

function testConfig(): TollgateConfig {
  return TollgateConfig.parse({
    apiVersion: 'tollgate.dev/v1',
    kind: 'Config',
    principals: [{ id: 'alice', groups: ['developers'], publicKeys: [publicKeyText(aliceKey)] }],
    pipelines: [
      {
        name: 'default',
        stages: [
          { name: 'dev', target: { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } } },
        ],
      },
    ],
  });
}

function testRelease(): Release {
  return Release.parse({
    apiVersion: 'tollgate.dev/v1',
    kind: 'Release',
    app: 'standard-api',
    version: '1.0.0',
    artifacts: [
      {
        name: 'api',
        ref: `registry.example/api@sha256:${'a'.repeat(64)}`,
        digest: `sha256:${'a'.repeat(64)}`,
      },
    ],
    requester: 'alice',
    change: { description: 'standard verifier check' },
  });
}

function signedStart(config: TollgateConfig, release: Release, opts: { promotionId: string }) {
  const keyId = principalKeyId('alice', rawPublicKey(aliceKey));
  return prepareSignedStart(
    config,
    release,
    {
      sign: (payload) => signAction(payload, keyId, aliceKey),
      base: (promotionId) => ({
        promotionId,
        actor: 'alice',
        channel: 'cli',
        issuedAt: new Date().toISOString(),
        nonce: newNonce(),
      }),
    },
    opts,
  );
}
const verifier = fileURLToPath(new URL('../fixtures/dsse/verify_envelope.py', import.meta.url));

async function issuedAttestation(): Promise<DsseEnvelope> {
  const config = testConfig();
  const release = testRelease();
  const { start, promotionId, releaseDigest } = signedStart(config, release, {
    promotionId: 'standard-api-1',
  });
  const trust = createTrustActivities({
    own: workerTrust(config),
    key: () => Promise.resolve(orchestrationKey),
    logger: createLogger({ level: 'error', pretty: false }),
  });
  const policyRequest = {
    promotionId,
    stage: 'dev',
    release,
    releaseDigest,
    packs: [],
    time: new Date().toISOString(),
  };
  const policy = sealPolicyResult(orchestrationKey, policyRequest, {
    stage: 'dev',
    passed: true,
    resultHash: 'sha256:policy',
    packs: [],
    rules: [],
    facts: {},
    evaluatedAt: policyRequest.time,
  });
  const issued = await trust.issueStageAttestation({
    promotionId,
    stage: 'dev',
    phase: 'admitted',
    start: start.request,
    release,
    policy,
    votes: [],
    waivers: [],
    window: 'none',
    canary: null,
  });
  assert.ok('envelope' in issued, JSON.stringify(issued));
  return issued.envelope;
}

function tampered(envelope: DsseEnvelope): DsseEnvelope {
  const payload = Buffer.from(envelope.payload, 'base64');
  const at = payload.indexOf('"stage":"dev"') + 10;
  payload[at] = 'p'.charCodeAt(0);
  return { ...envelope, payload: payload.toString('base64') };
}

void test('securesystemslib verifies an issued stage attestation and refuses a changed one', async () => {
  const python = await pythonWithSecuresystemslib();
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-dsse-'));
  const envelope = await issuedAttestation();
  const good = path.join(dir, 'dev.dsse.json');
  const bad = path.join(dir, 'changed.dsse.json');
  await writeFile(good, JSON.stringify(envelope));
  await writeFile(bad, JSON.stringify(tampered(envelope)));
  const keyid = dsseKeyId(orchestrationKey);
  const publicHex = rawPublicKey(orchestrationKey).toString('hex');

  const { stdout } = await run(python, [verifier, good, keyid, publicHex]);
  const verified = JSON.parse(stdout) as {
    keyids: string[];
    payloadType: string;
    statement: {
      _type: string;
      predicateType: string;
      subject: { digest: { sha256: string } }[];
      predicate: { stage: string };
    };
  };
  assert.deepEqual(verified.keyids, [keyid]);
  assert.equal(verified.payloadType, 'application/vnd.in-toto+json');
  assert.equal(verified.statement._type, 'https://in-toto.io/Statement/v1');
  assert.equal(verified.statement.predicateType, 'https://tollgate.dev/attestation/stage/v1');
  assert.equal(verified.statement.subject[0]!.digest.sha256, 'a'.repeat(64));
  assert.equal(verified.statement.predicate.stage, 'dev');

  await assert.rejects(
    run(python, [verifier, bad, keyid, publicHex]),
    (err: { code?: number; stderr?: string }) => {
      assert.equal(err.code, 1);
      assert.match(String(err.stderr), /not verified/);
      return true;
    },
  );
});

void test("tollgate attest verify checks an attestation with the config's orchestration key and rules", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-attest-'));
  const config = { ...testConfig(), orchestration: { publicKeys: [publicKeyText(orchestrationKey)] } };
  const configFile = path.join(dir, 'tollgate.yaml');
  await writeFile(configFile, JSON.stringify(config));
  const envelope = await issuedAttestation();
  const good = path.join(dir, 'dev.dsse.json');
  const bad = path.join(dir, 'changed.dsse.json');
  await writeFile(good, JSON.stringify(envelope));
  await writeFile(bad, JSON.stringify(tampered(envelope)));
  const tollgate = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        ...tollgateCommand(['--config', configFile, ...args]),
        { env: { ...process.env, TOLLGATE_HOME: dir } },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );

  const ok = await tollgate(['attest', 'verify', good]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /holds/);
  assert.match(ok.stdout, /promotion {2}standard-api-1 · stage dev \(admitted\) · pipeline default/);
  assert.match(ok.stdout, /requester {2}alice/);

  const changed = await tollgate(['attest', 'verify', bad]);
  assert.equal(changed.code, 1);
  assert.match(
    changed.stdout + changed.stderr,
    /does not hold: no signature verifies with a trusted orchestration key/,
  );
});
