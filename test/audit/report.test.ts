import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { listPromotions } from '../../src/audit/list.js';
import { promotionReport } from '../../src/audit/report/build.js';
import { csvCell, escapeHtml, renderReport } from '../../src/audit/report/render.js';
import { createLedger } from '../../src/ledger/create.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createLogger } from '../../src/logging/logger.js';
import { promotionChain, refusal, type Scenario } from '../ledger/samples.js';

const root = await mkdtemp(path.join(tmpdir(), 'tollgate-report-'));
let ledger: Ledger;
before(async () => {
  ledger = await createLedger(
    { type: 'file', path: root },
    { logger: createLogger({ level: 'error', pretty: false }) },
  );
  const scenarios: [string, Scenario, string][] = [
    ['p-approved', 'approved', '2026-03-02T09:00:00Z'],
    ['p-rolled-back', 'rolled-back', '2026-03-03T09:00:00Z'],
    ['p-rejected', 'rejected', '2026-03-04T09:00:00Z'],
  ];
  for (const [id, scenario, start] of scenarios) {
    for (const input of promotionChain(id, scenario, {
      start: new Date(start),
      version: `1.4.${scenarios.findIndex((s) => s[0] === id) + 2}`,
    }))
      await ledger.append(input);
  }
  await ledger.appendNext(refusal('p-rejected', 0));
});
after(async () => {
  await ledger.close();
  await rm(root, { recursive: true, force: true });
});

const coverage = async (id: string) =>
  Object.fromEntries((await promotionReport(ledger, id)).coverage.map((c) => [c.id, c.status]));

void test('an approved promotion: who approved what they saw, policy controls, canary numbers, full coverage', async () => {
  const report = await promotionReport(ledger, 'p-approved');
  assert.equal(report.promotion.status, 'succeeded');
  assert.equal(report.integrity?.ok, true);
  assert.deepEqual(
    report.approvals.map((a) => [
      a.approver,
      a.decision,
      a.channel,
      a.verifiedBy,
      a.sawPromotedRelease && a.sawCurrentPolicyResult,
    ]),
    [['alice', 'approve', 'slack', 'slack-signature+hook-key:chat:hook-1', true]],
  );
  assert.deepEqual(
    report.policies[0]?.rules.map((r) => r.controls),
    [['ISO27001:A.8.28', 'CSA-CCM:AIS-06'], ['ISO27001:A.8.8']],
  );
  assert.equal(report.canary[0]?.metrics[0]?.canary, 0.004);
  // The sample chain predates worker identities, drills and provenance: those rows say so.
  const rows = await coverage('p-approved');
  assert.equal(rows['ag-7-segregation-of-duties'], 'met');
  assert.equal(rows['ag-5-rollback-readiness'], 'met');
  assert.equal(rows['ag-4-third-party'], 'not met');
  assert.equal(rows['ag-8-identification'], 'not met');
  assert.equal(rows['ai-eu-art50'], 'not applicable');
  assert.equal(report.verdict.status, 'not met');
  const md = renderReport(report, 'md');
  assert.match(md, /^# Promotion p-approved: audit report\n\n\*\*Verdict: NOT MET: /);
  assert.match(md, /## Control coverage/);
  assert.match(md, /\| Auditing guideline 7 \| Segregation of duties [^|]* \| met \|/);
  assert.match(md, /\| #\d+ \| prod \| .* \| alice \| approve \| slack \|/);
});

void test('a rolled-back promotion: the failed canary numbers and the restored version', async () => {
  const report = await promotionReport(ledger, 'p-rolled-back');
  assert.equal(report.promotion.status, 'rolled-back');
  assert.equal(report.canary[0]?.verdict, 'fail');
  assert.equal(report.canary[0]?.metrics[0]?.pValue, 0.0003);
  assert.deepEqual(
    report.rollbacks.map((r) => [r.stage, r.restored]),
    [['prod', '1.4.1']],
  );
  const rollbackRow = report.coverage.find((c) => c.id === 'ag-5-rollback-readiness');
  assert.equal(rollbackRow?.status, 'met');
  assert.match(rollbackRow?.detail ?? '', /rolled back: prod restored 1\.4\.1/);
  const json = JSON.parse(renderReport(report, 'json')) as { rollbacks: unknown[] };
  assert.equal(json.rollbacks.length, 1);
});

void test('the canary section shows what each comparison was decided on', async () => {
  const report = await promotionReport(ledger, 'p-rolled-back');
  const shift = report.canary[0]?.metrics.find((m) => m.name === 'latency-vs-baseline');
  assert.deepEqual(
    [shift?.test, shift?.estimate, shift?.interval, shift?.tolerance, shift?.samples],
    [
      'wilcoxon-normal',
      0.31,
      { lower: -0.42, upper: 1.05, confidence: 0.95 },
      { ratio: 0.2, absolute: 5, allowed: 5 },
      { canary: 120, baseline: 480 },
    ],
  );
  const md = renderReport(report, 'md');
  assert.match(
    md,
    /\| latency-vs-baseline \| pass \| 12\.1 \| 11\.8 \| 0\.31 \| \[-0\.42, 1\.05\] \(95%\) \| 5 ms \(ratio 0\.2, absolute 5\) \| 120 \/ 480 \| wilcoxon-normal \| 0\.38 \|/,
  );
});

void test('a rejected promotion: the rejecting vote, its comment and the refused request', async () => {
  const report = await promotionReport(ledger, 'p-rejected');
  assert.equal(report.promotion.status, 'rejected');
  assert.equal(report.promotion.refusals, 1);
  assert.deepEqual(
    report.approvals.map((a) => a.decision),
    ['reject'],
  );
  assert.equal(report.refusals[0]?.actor, 'mallory');
  const rollbackRow = report.coverage.find((c) => c.id === 'ag-5-rollback-readiness');
  assert.equal(rollbackRow?.status, 'met', 'the staging deploy recorded the version it replaced');
  assert.match(rollbackRow?.detail ?? '', /previous version recorded: staging 1\.4\.1; 0 canary/);
});

void test('HTML is self-contained and escapes evidence text', async () => {
  const html = renderReport(await promotionReport(ledger, 'p-rejected'), 'html');
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<style>/);
  assert.doesNotMatch(html, /<script>|<link|src=/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /=HYPERLINK\(&quot;http:\/\/evil&quot;\)/);
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

void test('CSV cells cannot become spreadsheet formulas', async () => {
  for (const lead of ['=', '+', '-', '@', '\t', '\r'])
    assert.ok(csvCell(`${lead}1+2`).replace(/^"/, '').startsWith(`'${lead}`), JSON.stringify(lead));
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,"b"'), '"a,""b"""');
  const csv = renderReport(await promotionReport(ledger, 'p-rejected'), 'csv');
  assert.match(csv, /'=HYPERLINK\(""http:\/\/evil""\)/);
  for (const line of csv.split('\r\n'))
    for (const cell of line.split(',')) assert.doesNotMatch(cell.replace(/^"/, ''), /^[=+@]/, line);
});

void test('promotions are listed from the ledger by app, version, stage, status and time', async () => {
  assert.deepEqual(
    (await listPromotions(ledger)).map((p) => p.promotionId),
    ['p-approved', 'p-rolled-back', 'p-rejected'],
  );
  assert.deepEqual(
    (await listPromotions(ledger, { status: 'rolled-back' })).map((p) => p.promotionId),
    ['p-rolled-back'],
  );
  assert.deepEqual(
    (await listPromotions(ledger, { version: '1.4.4' })).map((p) => p.promotionId),
    ['p-rejected'],
  );
  assert.deepEqual(
    (await listPromotions(ledger, { since: '2026-03-03', until: '2026-03-04' })).map((p) => p.promotionId),
    ['p-rolled-back'],
  );
  assert.equal((await listPromotions(ledger, { app: 'billing-api', stage: 'prod' })).length, 3);
  assert.equal((await listPromotions(ledger, { app: 'other' })).length, 0);
  await assert.rejects(
    listPromotions(ledger, { since: 'last tuesday' }),
    /--since last tuesday: not an ISO-8601 time/,
  );
});

void test('a report of an unknown promotion says where to look', async () => {
  await assert.rejects(promotionReport(ledger, 'p-nope'), /no evidence for promotion p-nope .*audit list/);
});
