import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTimeSkippingServer } from '../helpers/temporal.js';

const smokePath = fileURLToPath(new URL('../fixtures/workflows/smoke.ts', import.meta.url));
const temporal = await startTimeSkippingServer();
after(() => temporal.teardown());

// If time skipping were broken the 36 h timer would really wait, and the timeout fails the test.
void test('a 36-hour workflow timer fires on the time-skipping server', { timeout: 120_000 }, async () => {
  const elapsedWorkflowMs: number = await temporal.withWorker({ workflowsPath: smokePath }, (taskQueue) =>
    temporal.env.client.workflow.execute<(hours: number) => Promise<number>>('longTimerWorkflow', {
      taskQueue,
      workflowId: taskQueue,
      args: [36],
    }),
  );
  assert.ok(elapsedWorkflowMs >= 36 * 3600_000, `workflow clock advanced ${elapsedWorkflowMs} ms`);
});
