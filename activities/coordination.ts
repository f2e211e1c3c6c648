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
import type { Ledger } from '../src/ledger/ledger.js';
import { acquireLock, callerExecution, releaseLock, type LockHolder } from './lock-chain.js';

export function createCoordinationActivities(deps: {
  client: Client;
  /** The orchestration task queue the lock workflows run on. */
  taskQueue: string;
  /** Holds the stage lock chains (the authority for who holds a stage). */
  ledger: Ledger;
}): Pick<
  OrchestrationActivities,
  'requestStageLock' | 'confirmStageLock' | 'releaseStageLock' | 'lineStatus' | 'broadcastFreeze'
> {
  const { client, taskQueue, ledger } = deps;
  /** A holder that has closed without releasing (terminated, failed, reset) holds nothing. */
  async function isClosed(holder: LockHolder): Promise<boolean> {
    try {
      const { status } = await client.workflow.getHandle(holder.workflowId, holder.runId).describe();
      return status.name !== 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return true;
      throw err;
    }
  }
  /** Tells a stage's lock workflow to forget a request or a holder (a hint, not the authority). */
  async function forget(app: string, stage: string, workflowId: string): Promise<void> {
    try {
      await client.workflow
        .getHandle(stageLockWorkflowId(app, stage))
        .signal(lockReleaseSignal, { workflowId });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // a finished lock holds nothing
    }
  }
  async function acquire(app: string, stage: string, promotionId: string) {
    const result = await acquireLock(ledger, { app, stage, caller: callerExecution(promotionId) }, isClosed);
    // A closed holder taken over never releases: the lock workflow forgets it too, so it
    // answers its queue again and ends when nobody waits.
    if (result.granted && result.takenOverFrom) await forget(app, stage, result.takenOverFrom.workflowId);
    return result.granted ? { granted: true as const } : result;
  }
  return {
    async requestStageLock({
      app,
      stage,
      promotionId,
      workflowId,
      mode,
      start,
      grantOnStart,
      acquire: confirm,
    }) {
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
          if (!confirm) return { granted: true };
          // The ledger is the authority: a stage still held there (its lock workflow terminated
          // from outside) is not granted; the requester waits and looks again.
          const acquired = await acquire(app, stage, promotionId);
          return acquired.granted ? { granted: true } : undefined;
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
    async confirmStageLock({ app, stage, promotionId }) {
      return acquire(app, stage, promotionId);
    },
    async releaseStageLock({ app, stage, promotionId, workflowId }) {
      // Only the holding execution releases in the ledger; a request still queued (or a workflow
      // that never confirmed a grant) only tells the lock workflow to forget it.
      await releaseLock(ledger, { app, stage, caller: callerExecution(promotionId) });
      await forget(app, stage, workflowId);
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
