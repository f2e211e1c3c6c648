/**
 * Activities that talk to Tollgate's coordination workflows (stage locks and the line). They
 * need a Temporal client but no target credentials, so they run on the orchestration queue.
 */
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type { OrchestrationActivities } from './contracts.js';
import { lockReleaseSignal, lockRequestSignal, freezeSignal } from '../workflows/messages.js';
import { stageLockWorkflowId } from '../workflows/stage-lock.js';
import { LINE_WORKFLOW_ID, lineStatusQuery } from '../workflows/line.js';

export function createCoordinationActivities(deps: {
  client: Client;
  /** The orchestration task queue the lock workflows run on. */
  taskQueue: string;
}): Pick<
  OrchestrationActivities,
  'requestStageLock' | 'releaseStageLock' | 'lineStatus' | 'broadcastFreeze'
> {
  const { client, taskQueue } = deps;
  return {
    async requestStageLock({ app, stage, promotionId, workflowId, mode, start, grantOnStart }) {
      const lockId = stageLockWorkflowId(app, stage);
      const request = { promotionId, workflowId, mode, ...(start ? { start } : {}) };
      if (grantOnStart) {
        // A lock that is not running holds nothing: starting it with this promotion as its holder
        // is the grant, with no round trip through the lock's workflow task and a signal back.
        try {
          await client.workflow.start('stageLock', {
            workflowId: lockId,
            taskQueue,
            args: [{ app, stage, holder: request, queue: [] }],
          });
          return { granted: true };
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      }
      // The lock is running (held, or answering others): it answers this request by signal.
      await client.workflow.signalWithStart('stageLock', {
        workflowId: lockId,
        taskQueue,
        args: [{ app, stage, queue: [] }],
        signal: lockRequestSignal,
        signalArgs: [request],
      });
      return undefined;
    },
    async releaseStageLock({ app, stage, workflowId }) {
      try {
        await client.workflow
          .getHandle(stageLockWorkflowId(app, stage))
          .signal(lockReleaseSignal, { workflowId });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err; // a finished lock holds nothing
      }
    },
    async lineStatus() {
      try {
        const line = client.workflow.getHandle(LINE_WORKFLOW_ID);
        // A closed line holds no freeze, and a query to it would wait for a worker to replay it.
        if ((await line.describe()).status.name !== 'RUNNING') return {};
        return await line.query(lineStatusQuery);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return {};
        throw err;
      }
    },
    async broadcastFreeze(signed) {
      let notified = 0;
      for await (const wf of client.workflow.list({
        query: `WorkflowType = 'promotion' AND ExecutionStatus = 'Running'`,
      })) {
        try {
          await client.workflow.getHandle(wf.workflowId, wf.runId).signal(freezeSignal, signed);
          notified++;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err; // it finished meanwhile
        }
      }
      return { notified };
    },
  };
}
