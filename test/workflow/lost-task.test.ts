/**
 * A workflow task lost after its local activities ran (timed out on an overloaded worker, or its
 * worker died) must not stall the promotion: the retried task replays what the lost one did,
 * with whatever arrived meanwhile delivered first. Its own file and server: the coordination
 * tests leave a closed stop-the-line workflow whose queue has no worker any more.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import protos from '@temporalio/proto';
import { startDevServer } from '../helpers/temporal.js';
import { createWorld, testConfig, testRelease } from '../helpers/promotion-world.js';

const { EventType } = protos.temporal.api.enums.v1;
const temporal = await startDevServer();
after(() => temporal.teardown());

void test('a lock answer that arrives before the promotion asks again is kept: a lost workflow task does not stall the stage', async () => {
  // The interceptor fails the task in which the staging request comes back until the answer is
  // in, so the retried task replays with the answer delivered first (seen under load: the
  // 200-promotion benchmark left a promotion waiting forever at the staging lock).
  const world = await createWorld(temporal, {
    stages: ['dev', 'staging', 'prod'],
    interceptorModules: [fileURLToPath(new URL('../fixtures/workflows/lost-lock-task.ts', import.meta.url))],
  });
  const config = testConfig({
    stages: testConfig().pipelines[0]!.stages.map((stage) => ({ ...stage, approval: undefined })),
  });
  await world.run(async () => {
    const { handle, input } = await world.start(testRelease({ app: 'lost-task-api' }), { config });
    const result = await Promise.race([
      handle.result(),
      sleep(60_000, undefined, { ref: false }).then(() => ({
        status: 'stalled',
        outcome: 'no result within 60 s',
      })),
    ]);
    assert.equal(result.status, 'succeeded', result.outcome);

    const history = await handle.fetchHistory();
    // `TOLLGATE_RECORD_HISTORIES=1 npm test -- test/workflow/lost-task.test.ts` refreshes the
    // replay fixture of the code with the lock-answer-before-request patch (replay.test.ts).
    if (process.env.TOLLGATE_RECORD_HISTORIES)
      await writeFile(
        new URL('../fixtures/histories/promotion-v2-lost-lock-task.json', import.meta.url),
        historyToJSON(history),
      );
    const events = history.events ?? [];
    const failedTasks = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    assert.ok(failedTasks.length > 0, 'the interceptor failed the task that brought the request back');
    const answers = events.filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'lockAnswer',
    );
    assert.equal(answers.length, 3, 'one answer per stage: the repeated request was not answered again');
    const types = (await world.chain(input.promotionId)).map((r) => `${r.stage ?? '-'}:${r.type}`);
    assert.equal(types.filter((t) => t === 'staging:lock.acquired').length, 1);
    assert.ok(types.includes('staging:deploy.completed'));
  });
});
