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

void test('a lock granted in a lost workflow task is answered again: the retried request does not stall the stage', async () => {
  // The interceptor fails the task in which the staging request comes back granted (the request
  // started the lock with the promotion as holder), so the retried task asks a lock that already
  // names it as holder (seen under load: the 200-promotion benchmark left a promotion waiting
  // forever at the staging lock when a lost task met a lock that did not answer twice).
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
    // replay fixture of the code with the lock-granted-on-start patch (replay.test.ts);
    // promotion-v2-lost-lock-task.json is the same test's history from the code before it.
    if (process.env.TOLLGATE_RECORD_HISTORIES)
      await writeFile(
        new URL('../fixtures/histories/promotion-v3-lost-lock-task.json', import.meta.url),
        historyToJSON(history),
      );
    const events = history.events ?? [];
    const failedTasks = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    assert.ok(failedTasks.length > 0, 'the interceptor failed the task that brought the request back');
    const answers = events.filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'lockAnswer',
    );
    // dev and prod were granted by starting their locks; only staging's repeated request, from
    // the retried task, was answered by its lock, which named the promotion as holder already.
    assert.deepEqual(
      answers.map((e) => {
        const payload = e.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!;
        return JSON.parse(Buffer.from(payload.data!).toString('utf8')) as unknown;
      }),
      [{ stage: 'staging', granted: true }],
    );
    const types = (await world.chain(input.promotionId)).map((r) => `${r.stage ?? '-'}:${r.type}`);
    assert.equal(types.filter((t) => t === 'staging:lock.acquired').length, 1);
    assert.ok(types.includes('staging:deploy.completed'));
  });
});
