/**
 * One promotion per app × stage at a time. A `stageLock` workflow (id `tollgate-lock-<app>-<stage>`)
 * grants the stage to one promotion and answers the others as the pipeline's `onConflict` says:
 * queue them, refuse them, or supersede the holder (which then aborts and rolls back).
 * It completes when nobody holds or waits, so idle locks cost nothing. A stage nobody holds is
 * granted by starting its lock with the promotion as holder (the request activity's reply); only
 * requests that find the lock running are answered by signal.
 */
import {
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  lockAnswerSignal,
  lockReleaseSignal,
  lockRequestSignal,
  supersededSignal,
  type LockRequest,
} from './messages.js';

export interface StageLockState {
  app: string;
  stage: string;
  holder?: LockRequest;
  queue: LockRequest[];
}

/**
 * patched() ids. LOCK_GRANTED_ON_START guards the promotion's and the rollback's side (they take a
 * grant from the request's reply); HOLDER_ASKS_AGAIN the lock's (it answers its holder again).
 */
export const LOCK_GRANTED_ON_START = 'lock-granted-on-start';
export const HOLDER_ASKS_AGAIN = 'holder-asks-again';

export function stageLockWorkflowId(app: string, stage: string): string {
  return `tollgate-lock-${app}-${stage}`;
}

export interface LockAnswer {
  granted: boolean;
  heldBy?: string;
}

/**
 * The requester's side of the lock, for a promotion or a rollback: asks through `request` (the
 * requestStageLock activity) and returns the answer, from the reply when the request started
 * the lock, else from the lock's signal, which the caller's handler hands over via `answered`.
 */
export async function awaitStageLock(
  request: (grant: { grantOnStart?: true }) => Promise<{ granted: true } | undefined>,
  answered: () => LockAnswer | undefined,
): Promise<LockAnswer> {
  const reply = await request(patched(LOCK_GRANTED_ON_START) ? { grantOnStart: true } : {});
  if (reply?.granted) return reply;
  await condition(() => answered() !== undefined);
  return answered()!;
}

export async function stageLock(initial: StageLockState): Promise<void> {
  const state: StageLockState = { ...initial, queue: [...initial.queue] };
  const refusals: LockRequest[] = [];
  let supersedeFor: LockRequest | undefined;
  let holderAsked = false;

  setHandler(lockRequestSignal, (req) => {
    if (state.holder?.workflowId === req.workflowId) {
      // The holder asks again. Granted by this lock's start, it may never have seen that reply:
      // the workflow task that ran the request was lost, and the retried request found the lock
      // running. A holder granted by signal has its answer already; a second one does no harm.
      if (patched(HOLDER_ASKS_AGAIN)) holderAsked = true;
      return;
    }
    if (state.queue.some((q) => q.workflowId === req.workflowId)) return; // a retried request activity
    if (!state.holder) state.queue.push(req);
    else if (req.mode === 'reject') refusals.push(req);
    else if (req.mode === 'supersede') {
      state.queue.unshift(req);
      supersedeFor = req;
    } else state.queue.push(req);
  });
  setHandler(lockReleaseSignal, ({ workflowId }) => {
    if (state.holder?.workflowId === workflowId) state.holder = undefined;
    else state.queue = state.queue.filter((q) => q.workflowId !== workflowId);
  });

  for (;;) {
    await condition(() => refusals.length > 0 || supersedeFor !== undefined || !state.holder || holderAsked);
    if (holderAsked) {
      holderAsked = false;
      const holder = state.holder;
      if (holder && !(await answer(holder, { granted: true })) && state.holder === holder)
        state.holder = undefined;
    }
    for (const req of refusals.splice(0)) {
      await answer(req, { granted: false, heldBy: state.holder?.promotionId ?? 'another promotion' });
    }
    if (supersedeFor) {
      const by = supersedeFor.promotionId;
      // The holder believes a supersede only with the newer promotion's signed start.
      const start = supersedeFor.start;
      supersedeFor = undefined;
      if (state.holder) {
        const holder = state.holder;
        await getExternalWorkflowHandle(holder.workflowId)
          .signal(supersededSignal, { by, ...(start ? { start } : {}) })
          .catch(() => {
            if (state.holder === holder) state.holder = undefined; // the holder is gone already
          });
      }
    }
    if (!state.holder) {
      const next = state.queue.shift();
      if (!next) return;
      state.holder = next;
      if (!(await answer(next, { granted: true }))) state.holder = undefined;
    }
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof stageLock>(state);
  }

  async function answer(req: LockRequest, reply: LockAnswer): Promise<boolean> {
    try {
      await getExternalWorkflowHandle(req.workflowId).signal(lockAnswerSignal, {
        stage: state.stage,
        ...reply,
      });
      return true;
    } catch {
      return false; // the requester has already ended
    }
  }
}
