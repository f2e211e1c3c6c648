import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { readFile } from 'node:fs/promises';
import { startDevServer, workflowBundle } from '../helpers/temporal.js';
import { SA_APP, SA_STATUS } from '../../src/temporal/search-attributes.js';

const smokePath = fileURLToPath(new URL('../fixtures/workflows/smoke.ts', import.meta.url));
const temporal = await startDevServer();
after(() => temporal.teardown());

void test('a workflow runs on the real dev server and its search attributes are findable', async () => {
  const activities = { greet: async (name: string) => `hello ${name}` };
  await temporal.withWorker({ workflowsPath: smokePath, activities }, async (taskQueue) => {
    const handle = await temporal.env.client.workflow.start('smokeWorkflow', {
      taskQueue,
      workflowId: `smoke-${taskQueue}`,
      args: ['billing-api'],
    });
    assert.equal(await handle.result(), 'hello billing-api from smokeWorkflow');

    const description = await handle.describe();
    assert.deepEqual(description.typedSearchAttributes.get(SA_APP), 'billing-api');
    assert.deepEqual(description.typedSearchAttributes.get(SA_STATUS), 'succeeded');

    const history = await handle.fetchHistory();
    const types = (history.events ?? []).map((e) => e.eventType);
    assert.ok(types.length > 5, 'history has events');
    // The activity's result is in history: a replay would read it instead of calling `greet` again.
    assert.ok(
      (history.events ?? []).some((e) => e.activityTaskCompletedEventAttributes),
      'history records the completed activity',
    );
  });
});

void test('a history exported as JSON replays against the workflow code (protobufjs pin)', async () => {
  const json: unknown = JSON.parse(
    await readFile(new URL('../fixtures/histories/smoke.json', import.meta.url), 'utf8'),
  );
  const history = historyFromJSON(json);
  await Worker.runReplayHistory(
    { workflowBundle: await workflowBundle(smokePath) },
    history,
    'smoke-fixture',
  );
});
