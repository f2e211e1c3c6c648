/**
 * Repeated measurements per canary step through the promotion workflow (real dev server, scripted
 * analyses): failureLimit, inconclusiveLimit and consecutiveErrorLimit decide the step, and each
 * measurement is its own evidence record.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, test } from 'node:test';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { startDevServer } from '../helpers/temporal.js';
import { createWorld, testConfig, testRelease } from '../helpers/promotion-world.js';
import type { TollgateConfig } from '../../src/config/schema.js';

const temporal = await startDevServer();
after(() => temporal.teardown());

/** One prod stage without approval: two steps of three measurements each, 100 ms apart. */
function measuredConfig(measurements: Record<string, number>): TollgateConfig {
  // testConfig parses the pipeline, so the stage is written as in a config file (input shape).
  return testConfig({
    stages: [
      {
        name: 'prod',
        target: { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } },
        canary: {
          steps: [
            { weight: 20, bake: '300ms' },
            { weight: 100, bake: '300ms' },
          ],
          measurements: { count: 3, ...measurements },
          onInconclusive: 'rollback',
        },
      },
    ],
  } as Parameters<typeof testConfig>[0]);
}

async function promote(script: string, measurements: Record<string, number>) {
  const world = await createWorld(temporal, { stages: ['prod'] });
  return world.run(async () => {
    const { handle, input } = await world.start(testRelease({ labels: { 'test.canary': script } }), {
      config: measuredConfig(measurements),
    });
    const result = await handle.result();
    const history = await handle.fetchHistory();
    const analyses = (await world.chain(input.promotionId)).filter((r) => r.type === 'canary.analysis');
    return {
      result,
      history,
      measured: analyses.map((r) => {
        const m = r.data.measurement as { number: number; count: number };
        return `${r.data.step as number}.${m.number}/${m.count}:${r.data.verdict as string}`;
      }),
    };
  });
}

void test('one failed measurement within failureLimit 1 still passes the step', async () => {
  const { result, measured, history } = await promote('pass/fail/pass,pass', { failureLimit: 1 });
  assert.equal(result.status, 'succeeded', result.outcome);
  // `TOLLGATE_RECORD_HISTORIES=1 npm test -- test/workflow/canary-measurements.test.ts` refreshes
  // the replay fixture of the patched branch (test/workflow/replay.test.ts replays it).
  if (process.env.TOLLGATE_RECORD_HISTORIES)
    await writeFile(
      new URL('../fixtures/histories/promotion-v4-canary-measurements.json', import.meta.url),
      historyToJSON(history),
    );
  assert.deepEqual(measured, [
    '1.1/3:pass',
    '1.2/3:fail',
    '1.3/3:pass',
    '2.1/3:pass',
    '2.2/3:pass',
    '2.3/3:pass',
  ]);
});

void test('a failure beyond failureLimit 0 rolls back at once, without the remaining measurements', async () => {
  const { result, measured } = await promote('pass/fail/pass', {});
  assert.equal(result.status, 'rolled-back');
  assert.match(result.outcome, /canary failed at prod step 1: 1 of 2 measurements failed \(failureLimit 0\)/);
  assert.deepEqual(measured, ['1.1/3:pass', '1.2/3:fail']);
});

void test('provider errors in a row beyond consecutiveErrorLimit make the step inconclusive', async () => {
  const { result } = await promote('error/error/pass', { consecutiveErrorLimit: 1 });
  assert.equal(result.status, 'rolled-back');
  assert.match(
    result.outcome,
    /canary inconclusive at prod step 1: 2 measurements in a row had no answer from the provider \(consecutiveErrorLimit 1\)/,
  );
});

void test('a provider error within consecutiveErrorLimit is retried by the next measurement', async () => {
  const { result, measured } = await promote('error/pass/pass,pass', { consecutiveErrorLimit: 1 });
  assert.equal(result.status, 'succeeded', result.outcome);
  assert.equal(measured[0], '1.1/3:inconclusive');
});

void test('inconclusive measurements beyond inconclusiveLimit make the step inconclusive', async () => {
  const { result } = await promote('inconclusive/pass/inconclusive', { inconclusiveLimit: 1 });
  assert.equal(result.status, 'rolled-back');
  assert.match(result.outcome, /2 of 3 measurements were inconclusive \(inconclusiveLimit 1\)/);
});
