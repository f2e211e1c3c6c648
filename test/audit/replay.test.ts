import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { generateKeyPairSync } from 'node:crypto';
import { signerFromKey } from '../../src/ledger/seal.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createEvidenceActivities, historyArtifactName } from '../../activities/evidence.js';
import {
  historiesFromArchive,
  historiesFromFile,
  historiesFromTemporal,
  replayHistories,
} from '../../src/audit/replay.js';
import { verifyLedger } from '../../src/audit/verify.js';
import { approvedTail } from './tamper.js';
import { createLedger } from '../../src/ledger/create.js';
import { fileLayout } from '../../src/ledger/file-layout.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createLogger } from '../../src/logging/logger.js';
import { writePrivateKey } from '../../src/keys.js';
import { startDevServer } from '../helpers/temporal.js';
import type { evidenceSmokeWorkflow } from '../fixtures/workflows/evidence-smoke.js';

const fixture = fileURLToPath(new URL('../fixtures/workflows/evidence-smoke.ts', import.meta.url));
const changedFixture = fileURLToPath(
  new URL('../fixtures/workflows/evidence-smoke-changed.ts', import.meta.url),
);
const logger = createLogger({ level: 'error', pretty: false });
const temporal = await startDevServer();
const root = await mkdtemp(path.join(tmpdir(), 'tollgate-replay-'));
after(async () => {
  await temporal.teardown();
  await rm(root, { recursive: true, force: true });
});

const ledgerDir = path.join(root, 'ledger');
const keyFile = path.join(root, 'ledger-key.pem');
const key = generateKeyPairSync('ed25519').privateKey;
let ledger: Ledger;
const promotionId = 'p-smoke';
let recorded = 0;

// As a worker opens it with ledgerSigningKey configured: the store signs checkpoints of its log.
const open = (dir: string) =>
  createLedger({ type: 'file', path: dir }, { logger, signer: signerFromKey(key) });

/** A copy of the ledger for one tampering experiment. */
async function copyOfLedger(name: string): Promise<{ dir: string; ledger: Ledger }> {
  const dir = path.join(root, name);
  await cp(ledgerDir, dir, { recursive: true });
  return { dir, ledger: await open(dir) };
}

before(async () => {
  await writePrivateKey(keyFile, key);
  ledger = await open(ledgerDir);
  const activities = createEvidenceActivities({
    ledger,
    logger,
    client: temporal.env.client,
    signingKeyPath: keyFile,
  });
  await temporal.withWorker({ workflowsPath: fixture, activities }, async (taskQueue) => {
    const handle = await temporal.env.client.workflow.start<typeof evidenceSmokeWorkflow>(
      'evidenceSmokeWorkflow',
      {
        taskQueue,
        workflowId: `promotion-${promotionId}`,
        args: [promotionId, ['dev', 'staging']],
      },
    );
    recorded = await handle.result();
    await activities.sealPromotion({ promotionId });
    const archived = await activities.archiveHistory({
      promotionId,
      workflowId: handle.workflowId,
      runId: handle.firstExecutionRunId,
    });
    assert.ok(archived.events > recorded);
  });
});

void test('the workflow recorded its evidence in the ledger and its sealed chain and archive verify', async () => {
  assert.equal(recorded, 6);
  assert.equal((await ledger.read(promotionId)).length, recorded);
  const result = await verifyLedger(ledger, { publicKey: key });
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.chains[0]?.seal, 'valid');
  assert.equal(result.artifacts.length, 1);
});

void test('an archived history replays deterministically and matches the ledger record for record', async () => {
  const report = await replayHistories(await historiesFromArchive(ledger, promotionId), {
    workflowsPath: fixture,
    ledger,
  });
  assert.equal(report.ok, true, JSON.stringify(report));
  assert.equal(report.histories[0]?.deterministic, true);
  assert.equal(report.histories[0]?.workflowType, 'evidenceSmokeWorkflow');
  assert.equal(report.histories[0]?.evidenceRecords, recorded);
  assert.deepEqual(report.crossChecks, [
    { chainId: promotionId, ok: true, matched: recorded, missing: [], extra: [] },
  ]);
});

void test('a history exported to a file and one fetched online replay the same way', async () => {
  const file = path.join(root, 'history.json');
  await writeFile(
    file,
    (await ledger.getArtifact(promotionId, (await ledger.listArtifacts(promotionId))[0]!.name))!,
  );
  const offline = await replayHistories(await historiesFromFile(file), { workflowsPath: fixture, ledger });
  assert.equal(offline.ok, true);
  const online = await replayHistories(
    await historiesFromTemporal(temporal.env.client, `promotion-${promotionId}`),
    { workflowsPath: fixture, ledger },
  );
  assert.equal(online.ok, true);
  assert.equal(online.crossChecks?.[0]?.matched, recorded);
});

void test('a nondeterministic code change is reported per history, not thrown', async () => {
  const sources = await historiesFromArchive(ledger, promotionId);
  const report = await replayHistories([...sources, ...sources], { workflowsPath: changedFixture });
  assert.equal(report.ok, false);
  assert.equal(report.histories.length, 2);
  for (const h of report.histories) {
    assert.equal(h.deterministic, false);
    assert.match(h.error ?? '', /^nondeterministic: /);
  }
});

void test('replay processes give the same report as replaying in this process, nondeterminism included', async () => {
  const sources = await historiesFromArchive(ledger, promotionId);
  const three = [...sources, ...sources, ...sources];
  const inProcess = await replayHistories(three, { workflowsPath: fixture, ledger });
  const pooled = await replayHistories(three, { workflowsPath: fixture, ledger, jobs: 2 });
  assert.equal(pooled.ok, true, JSON.stringify(pooled));
  assert.deepEqual(pooled, inProcess);
  // The changed workflow code is caught inside the replay processes and classified there.
  const changed = await replayHistories(three, { workflowsPath: changedFixture, jobs: 2 });
  assert.deepEqual(
    changed.histories.map((h) => h.error?.split(':')[0]),
    ['nondeterministic', 'nondeterministic', 'nondeterministic'],
  );
});

void test('the cross-check catches a record deleted from the ledger', async () => {
  const copy = await copyOfLedger('deleted');
  const file = fileLayout.chainFile(copy.dir, promotionId);
  const lines = (await readFile(file, 'utf8')).split('\n');
  lines.splice(2, 1);
  await writeFile(file, lines.join('\n'));
  const reopened = await open(copy.dir);
  const report = await replayHistories(await historiesFromArchive(reopened, promotionId), {
    workflowsPath: fixture,
    ledger: reopened,
  });
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.crossChecks?.[0]?.missing.map((m) => m.seq),
    [2],
  );
  assert.deepEqual(report.crossChecks?.[0]?.extra, []);
  assert.equal((await verifyLedger(reopened)).firstBad?.seq, 2, 'verify also names the gap');
  await Promise.all([copy.ledger.close(), reopened.close()]);
});

void test('the cross-check catches a record inserted into the ledger', async () => {
  const copy = await copyOfLedger('inserted');
  const forged = await copy.ledger.append(approvedTail(promotionId, recorded));
  const report = await replayHistories(await historiesFromArchive(copy.ledger, promotionId), {
    workflowsPath: fixture,
    ledger: copy.ledger,
  });
  assert.equal(report.ok, false);
  assert.deepEqual(report.crossChecks?.[0]?.missing, []);
  assert.deepEqual(report.crossChecks?.[0]?.extra, [
    { seq: recorded, type: 'approval.granted', hash: forged.hash },
  ]);
  await copy.ledger.close();
});

void test('a swapped archive is detected by the archive index and its attestation', async () => {
  const copy = await copyOfLedger('swapped');
  const file = fileLayout.artifactFile(
    copy.dir,
    promotionId,
    (await copy.ledger.listArtifacts(promotionId))[0]!.name,
  );
  const original = await readFile(file, 'utf8');
  const swapped = original.replace(/"taskId":\s*"\d/, '"taskId":"9');
  assert.notEqual(swapped, original);
  await writeFile(file, swapped);
  const result = await verifyLedger(copy.ledger, { publicKey: key });
  assert.equal(result.ok, false);
  assert.match(result.artifacts[0]?.problems.join() ?? '', /differs from the archive index/);
  await assert.rejects(
    historiesFromArchive(copy.ledger, promotionId),
    /does not match the sha256 in the archive index/,
  );
  await copy.ledger.close();
});

void test('archiving a promotion that is still running waits for it to close, then is retried', async () => {
  const activities = createEvidenceActivities({
    ledger,
    logger,
    client: temporal.env.client,
    archiveWaitMs: 1500,
  });
  await temporal.withWorker({ workflowsPath: fixture, activities }, async (taskQueue) => {
    const handle = await temporal.env.client.workflow.start('evidenceSmokeWorkflow', {
      taskQueue,
      workflowId: `promotion-p-running`,
      args: ['p-running', ['dev'], '1h'],
    });
    await assert.rejects(
      activities.archiveHistory({
        promotionId: 'p-running',
        workflowId: handle.workflowId,
        runId: handle.firstExecutionRunId,
      }),
      (err: Error & { nonRetryable?: boolean }) =>
        /still running/.test(err.message) && err.nonRetryable === false,
    );
    // A promotion that closes while the archive waits is archived by that same attempt.
    const archiving = activities.archiveHistory({
      promotionId: 'p-running',
      workflowId: handle.workflowId,
      runId: handle.firstExecutionRunId,
    });
    await handle.terminate('test done');
    const archived = await archiving;
    assert.equal(
      archived.sha256,
      (await ledger.listArtifacts('p-running')).find(
        (e) => e.name === historyArtifactName(handle.firstExecutionRunId),
      )?.sha256,
    );
  });
});
