/**
 * The period report over a real ledger: the recorded audit archive (800 promotions made by the
 * workflow code of an earlier release, test/bench/fixtures/audit-corpus.tar.xz) plus promotions
 * of `shop` this test runs through the current workflow, into the same file ledger. Every DORA
 * figure is checked against a count made here, record by record, and against the archive's
 * known mix; the OSCAL rendering is validated against NIST's published schema.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { WorkflowHandle } from '@temporalio/client';
import { periodReport, type PeriodReport } from '../../src/audit/report/period.js';
import { renderPeriodReport } from '../../src/audit/report/period-tables.js';
import type { EvidenceRecord } from '../../src/domain/evidence.js';
import { isSecurityChain } from '../../src/ledger/verify.js';
import { createWorld, testRelease, type World } from '../helpers/promotion-world.js';
import { startDevServer } from '../helpers/temporal.js';
import { RECORDED_CORPUS } from '../bench/audit-corpus.js';

const SCHEMA = new URL('../fixtures/oscal/oscal_assessment-results_schema.json', import.meta.url);
const SINCE = '2026-11-30T00:00:00Z';
const temporal = await startDevServer();
const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-period-'));
let world: World;
let until: string;
let report: PeriodReport;
let chains: EvidenceRecord[][];

async function approveThrough(handle: WorkflowHandle, stages: ('staging' | 'prod')[]): Promise<void> {
  for (const stage of stages) {
    await world.waitFor(
      handle,
      (s) => s.gate === 'approval' && s.currentStage === stage,
      `${stage} approval`,
    );
    await world.vote(handle, 'bob', stage);
    if (stage === 'prod') await world.vote(handle, 'carol', stage);
  }
}

before(async () => {
  await promisify(execFile)('tar', ['-xJf', RECORDED_CORPUS, '-C', dir]);
  world = await createWorld(temporal, { ledgerDir: dir });
  await world.run(async () => {
    // 1.0.0 goes live; 1.1.0's prod canary fails at step 2 and is rolled back; 1.1.1 fixes it
    // (rework); 1.2.0 is rejected at staging and never reaches prod.
    for (const [version, canary] of [
      ['1.0.0', ''],
      ['1.1.0', 'pass,fail'],
      ['1.1.1', ''],
    ] as const) {
      const { handle } = await world.start(
        testRelease({ app: 'shop', version, labels: { 'test.canary': canary } }),
      );
      await approveThrough(handle, ['staging', 'prod']);
      await handle.result();
    }
    const { handle } = await world.start(testRelease({ app: 'shop', version: '1.2.0' }));
    await world.waitFor(
      handle,
      (s) => s.gate === 'approval' && s.currentStage === 'staging',
      'staging approval',
    );
    await world.vote(handle, 'bob', 'staging', 'reject');
    await handle.result();
  });
  until = new Date(Date.now() + 3600_000).toISOString();
  report = await periodReport(world.ledger, {
    since: SINCE,
    until,
    stage: 'prod',
    seed: 'q4-sample',
    sampleSize: 10,
  });
  chains = [];
  for (const c of await world.ledger.listChains())
    if (!isSecurityChain(c.chainId)) chains.push(await world.ledger.read(c.chainId));
});
after(async () => {
  await world.ledger.close();
  await rm(dir, { recursive: true, force: true });
  await temporal.teardown();
});

/** The hand count: each chain's own prod deploy and prod rollback, nothing shared with the code. */
function handCount() {
  const deploys: { app: string; requested: number; deployed: number; rolledBack?: number }[] = [];
  for (const records of chains) {
    const started = records.find((r) => r.type === 'promotion.started');
    const deploy = records.find((r) => r.type === 'deploy.completed' && r.stage === 'prod');
    if (!started || !deploy) continue;
    const rollback = records.find((r) => r.type === 'rollback.completed' && r.stage === 'prod');
    deploys.push({
      app: (started.data.release as { app: string }).app,
      requested: Date.parse(started.time),
      deployed: Date.parse(deploy.time),
      ...(rollback ? { rolledBack: Date.parse(rollback.time) } : {}),
    });
  }
  deploys.sort((a, b) => a.deployed - b.deployed);
  const rework = deploys.filter((d) => {
    const before = deploys.filter((p) => p.app === d.app && p.deployed < d.deployed).at(-1);
    return before?.rolledBack !== undefined;
  });
  const mid = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const failed = deploys.filter((d) => d.rolledBack !== undefined);
  return {
    deployments: deploys.length,
    failed: failed.length,
    rework: rework.length,
    leadMedian: mid(deploys.map((d) => (d.deployed - d.requested) / 1000)),
    restoreMedian: mid(failed.map((d) => (d.rolledBack! - d.deployed) / 1000)),
  };
}

void test('DORA metrics match a count of the records, and the archive mix', () => {
  const count = handCount();
  // The archive: 4 in 10 of its 800 promotions reach prod, 1 in 10 is rolled back there; this
  // test adds three prod deploys of shop, one rolled back and the next one reworking it.
  assert.equal(count.deployments, 320 + 3);
  assert.equal(count.failed, 80 + 1);
  assert.equal(count.rework, 1);
  const { dora } = report;
  assert.equal(dora.deployments, count.deployments);
  assert.equal(dora.failedDeployments, count.failed);
  assert.equal(dora.changeFailureRate, count.failed / count.deployments);
  assert.equal(dora.reworkDeployments, 1);
  assert.equal(dora.reworkRate, 1 / count.deployments);
  assert.equal(dora.leadTimeMedianSeconds, count.leadMedian);
  assert.equal(dora.timeToRestoreMedianSeconds, count.restoreMedian);
  const days = (Date.parse(until) - Date.parse(SINCE)) / 86_400_000;
  assert.equal(dora.deploymentsPerDay, count.deployments / days);
  assert.deepEqual(
    dora.list.filter((d) => d.app === 'shop').map((d) => [d.version, d.failed, d.rework]),
    [
      ['1.0.0', false, false],
      ['1.1.0', true, false],
      ['1.1.1', false, true],
    ],
  );
});

void test('the population is every change to prod, exceptions first; a stage filter leaves out what never reached it', async () => {
  assert.equal(report.population.length, 323);
  const exceptions = report.population.filter((p) => p.exceptions.length);
  assert.equal(exceptions.length, 81, 'the rolled-back changes');
  assert.ok(report.population.slice(0, 81).every((p) => p.exceptions.includes('rolled-back')));
  assert.ok(
    report.population.some((p) => p.app === 'shop' && p.version === '1.1.0' && p.status === 'rolled-back'),
  );
  assert.ok(!report.population.some((p) => p.version === '1.2.0'));
  const everyStage = await periodReport(world.ledger, { since: SINCE, until, app: 'shop', seed: 's' });
  assert.deepEqual(
    everyStage.population.map((p) => [p.version, p.status, p.exceptions.join('; ')]),
    [
      ['1.1.0', 'rolled-back', 'rolled-back'],
      ['1.2.0', 'rejected', 'rejected'],
      ['1.0.0', 'succeeded', ''],
      ['1.1.1', 'succeeded', ''],
    ],
  );
  const remediation = everyStage.remediation.map((e) => [
    e.stage,
    e.failed.split(':')[0],
    e.fixedBy?.split('-')[1],
  ]);
  assert.deepEqual(remediation, [['prod', 'rolled back', '1.1.1']]);
});

void test('the sample is reproducible from its printed seed', async () => {
  assert.equal(report.sample.length, 10);
  assert.equal(new Set(report.sample).size, 10);
  const again = await periodReport(world.ledger, {
    since: SINCE,
    until,
    stage: 'prod',
    seed: 'q4-sample',
    sampleSize: 10,
  });
  assert.deepEqual(again.sample, report.sample);
  const other = await periodReport(world.ledger, {
    since: SINCE,
    until,
    stage: 'prod',
    seed: 'another',
    sampleSize: 10,
  });
  assert.notDeepEqual(other.sample, report.sample);
  const md = renderPeriodReport(report, 'md');
  assert.match(md, /sample: 10 drawn with seed q4-sample \(repeat with --seed q4-sample\)/);
  assert.match(md, /^# Changes to prod from .*\n\n\*\*Verdict: NOT MET: /);
  assert.ok(md.indexOf('## Exceptions') < md.indexOf('## Population'));
});

void test('the guidelines are answered over the population, with the changes they fail in', () => {
  const row = (id: string) => report.coverage.find((c) => c.id === id)!;
  // The report is given no trusted worker keys: no signature can be checked, so separation is not shown.
  assert.equal(row('add-separated-environments').status, 'not met');
  assert.equal(row('add-separated-environments').related?.length, 323);
  assert.equal(row('ag-7-segregation-of-duties').status, 'met');
  assert.match(
    row('ag-7-segregation-of-duties').detail,
    /^met in 3, not met in 0, partly met in 0, not applicable in 320 of 323/,
  );
  assert.equal(row('ai-eu-art50').status, 'not applicable');
  assert.equal(row('ag-5-disaster-recovery').status, 'not met');
  assert.match(row('ag-5-disaster-recovery').detail, /no restore drill recorded/);
});

void test('OSCAL assessment results validate against the official OSCAL 1.0.6 schema', async () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(await readFile(SCHEMA, 'utf8')) as object);
  const oscal = JSON.parse(renderPeriodReport(report, 'oscal')) as {
    'assessment-results': {
      results: {
        findings: { target: { 'target-id': string; status: { state: string } } }[];
        observations: unknown[];
      }[];
    };
  };
  assert.ok(validate(oscal), ajv.errorsText(validate.errors));
  const result = oscal['assessment-results'].results[0]!;
  assert.equal(result.observations.length, 323);
  const finding = result.findings.find((f) => f.target['target-id'] === 'add-separated-environments')!;
  assert.equal(finding.target.status.state, 'not-satisfied');
  // The same ledger, period and seed give the same document.
  assert.equal(renderPeriodReport(report, 'oscal'), renderPeriodReport(report, 'oscal'));
  // An invalid document is refused: the validation can fail.
  delete (oscal['assessment-results'] as Record<string, unknown>)['import-ap'];
  assert.equal(validate(oscal), false);
});

void test('bad periods get an error that says what to fix', async () => {
  await assert.rejects(
    periodReport(world.ledger, { since: 'last week', until }),
    /--since last week: not an ISO-8601 time/,
  );
  await assert.rejects(
    periodReport(world.ledger, { since: until, until: SINCE }),
    /--until .* must be after --since/,
  );
  await assert.rejects(
    periodReport(world.ledger, { since: SINCE, until, sampleSize: -1 }),
    /--sample -1: give a whole number of changes/,
  );
  const empty = await periodReport(world.ledger, { since: '2020-01-01', until: '2020-02-01' });
  assert.equal(empty.population.length, 0);
  assert.equal(empty.verdict.status, 'not applicable');
});
