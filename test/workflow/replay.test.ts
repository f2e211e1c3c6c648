/**
 * Every recorded promotion history (test/fixtures/histories/promotion-*.json, one per released
 * workflow version and scenario) must replay against the current workflow code. A change that
 * alters history without a patched() guard fails here. So must a sample of the audit
 * benchmark's recorded archive (test/bench/audit-corpus.ts), which `npm run bench` replays whole.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { replayHistories, historiesFromArchive } from '../../src/audit/replay.js';
import { openRecordedCorpus } from '../bench/audit-corpus.js';
import { workflowBundle } from '../helpers/temporal.js';

const dir = new URL('../fixtures/histories/', import.meta.url);
const fixtures = (await readdir(dir)).filter((f) => f.startsWith('promotion-') && f.endsWith('.json'));

void test('recorded promotion histories exist', () => {
  assert.ok(fixtures.length > 0, 'no promotion history fixtures to replay');
});

for (const file of fixtures) {
  void test(`history ${file} replays against the current workflow code`, async () => {
    const history = historyFromJSON(JSON.parse(await readFile(new URL(file, dir), 'utf8')) as unknown);
    assert.ok((history.events?.length ?? 0) > 100, 'a full promotion history');
    // The workflow id is part of what replays (e.g. the archive child's id): take it from the input.
    const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const input = JSON.parse(Buffer.from(payload.data!).toString('utf8')) as { workflowId: string };
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, input.workflowId);
  });
}

void test("the audit benchmark's recorded archive replays and cross-checks with its ledger", async () => {
  const corpus = await openRecordedCorpus();
  const { ledger } = corpus;
  try {
    // The first twenty hold every kind of the mix: dev stage, prod canary, rolled-back canary.
    const ids = corpus.manifest.promotionIds.slice(0, 20);
    const sources = (await Promise.all(ids.map((id) => historiesFromArchive(ledger, id)))).flat();
    assert.equal(sources.length, ids.length, 'one archived history per recorded promotion');
    const report = await replayHistories(sources, { ledger });
    const failed = report.histories.filter((h) => !h.deterministic);
    assert.deepEqual(failed, [], 'every recorded history replays on the current workflow code');
    assert.ok(report.ok, 'their evidence markers match the recorded ledger');
    const matched = (report.crossChecks ?? []).reduce((n, c) => n + c.matched, 0);
    assert.ok(matched >= ids.length * 5, `evidence records cross-checked: ${matched}`);
  } finally {
    await corpus.dispose();
  }
});
