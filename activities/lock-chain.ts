/**
 * The authority for who holds a stage: a per app × stage lock chain in the ledger
 * (`security:lock-<app>-<stage>`), written only by the orchestration worker's activities and
 * read by the stage workers' admission. The `stageLock` workflow and its signals are only the
 * queue and the wake-up: anyone with namespace access can signal, terminate or forge them, but
 * nobody without the ledger can write this chain.
 *
 * Each write is a compare-and-set: it appends at the sequence number it read, and the ledger
 * refuses a different record at a taken sequence (LedgerConflictError), so of two acquirers one
 * wins and the other reads again. The holder is the calling workflow execution as the activity
 * context reports it (set by the Temporal server from the workflow task, never by the caller's
 * input), so a forged workflow can hold or release only what it acquired itself.
 */
import { Context } from '@temporalio/activity';
import { LedgerConflictError, type Ledger } from '../src/ledger/ledger.js';
import { controlsFor } from '../workflows/controls.js';

/** One execution of a workflow: the holder of a stage. */
export interface LockHolder {
  workflowId: string;
  runId: string;
  promotionId: string;
}

export type AcquireResult =
  { granted: true; takenOverFrom?: LockHolder } | { granted: false; heldBy: string };

export function lockChainId(app: string, stage: string): string {
  return `security:lock-${app}-${stage}`;
}

/** The calling workflow execution, from the activity context (set by the server). */
export function callerExecution(promotionId: string): LockHolder {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw new Error('a stage lock is held by a workflow: this activity was not called by one');
  return { workflowId: execution.workflowId, runId: execution.runId, promotionId };
}

export function sameExecution(a: LockHolder | undefined, b: Omit<LockHolder, 'promotionId'>): boolean {
  return a !== undefined && a.workflowId === b.workflowId && a.runId === b.runId;
}

/** The holder the chain's last record names, and the sequence number the next record takes. */
export async function lockHead(
  ledger: Ledger,
  app: string,
  stage: string,
): Promise<{ holder?: LockHolder; next: number }> {
  const { record: last, length } = await ledger.head(lockChainId(app, stage));
  if (last?.type !== 'lock.acquired') return { next: length };
  const holder = last.data.holder as LockHolder;
  return { holder, next: length };
}

function lockRecord(
  app: string,
  stage: string,
  seq: number,
  type: 'lock.acquired' | 'lock.released',
  who: LockHolder,
  data: Record<string, unknown>,
): Parameters<Ledger['append']>[0] {
  return {
    chainId: lockChainId(app, stage),
    seq,
    promotionId: who.promotionId,
    workflowId: who.workflowId,
    runId: who.runId,
    stage,
    type,
    actor: { id: 'tollgate', channel: 'system' },
    time: new Date().toISOString(),
    data: { app, ...data },
    controls: controlsFor(type),
  };
}

/** Appends at the sequence read; on a lost race, reads again and decides again. */
async function compareAndSet<T>(
  attempt: () => Promise<{ result: T; write?: Parameters<Ledger['append']>[0] }>,
  ledger: Ledger,
): Promise<T> {
  for (let tries = 0; ; tries++) {
    const { result, write } = await attempt();
    if (!write) return result;
    try {
      await ledger.append(write);
      return result;
    } catch (err) {
      if (!(err instanceof LedgerConflictError) || tries >= 20) throw err;
    }
  }
}

/**
 * Acquires the stage for `caller`, or says who holds it. A holder whose execution has closed
 * (terminated, failed, timed out, reset) without releasing is taken over, and the takeover is
 * recorded with the execution it replaced: a closed workflow never blocks a stage.
 */
export async function acquireLock(
  ledger: Ledger,
  req: { app: string; stage: string; caller: LockHolder },
  isClosed: (holder: LockHolder) => Promise<boolean>,
): Promise<AcquireResult> {
  const { app, stage, caller } = req;
  return compareAndSet<AcquireResult>(async () => {
    const { holder, next } = await lockHead(ledger, app, stage);
    if (sameExecution(holder, caller)) return { result: { granted: true } };
    if (holder && !(await isClosed(holder)))
      return { result: { granted: false, heldBy: holder.promotionId } };
    const data = { holder: caller, ...(holder ? { takenOverFrom: holder } : {}) };
    return {
      result: { granted: true, ...(holder ? { takenOverFrom: holder } : {}) },
      write: lockRecord(app, stage, next, 'lock.acquired', caller, data),
    };
  }, ledger);
}

/** Releases the stage if `caller` holds it; returns false (and writes nothing) otherwise. */
export async function releaseLock(
  ledger: Ledger,
  req: { app: string; stage: string; caller: LockHolder },
): Promise<boolean> {
  const { app, stage, caller } = req;
  return compareAndSet<boolean>(async () => {
    const { holder, next } = await lockHead(ledger, app, stage);
    if (!sameExecution(holder, caller)) return { result: false };
    return {
      result: true,
      write: lockRecord(app, stage, next, 'lock.released', caller, { holder: caller }),
    };
  }, ledger);
}

/** Why `caller` may not change the stage's target, or undefined when it holds the stage. */
export async function lockProblem(
  ledger: Ledger,
  req: { app: string; stage: string; caller: Omit<LockHolder, 'promotionId'> },
): Promise<string | undefined> {
  const { holder } = await lockHead(ledger, req.app, req.stage);
  if (sameExecution(holder, req.caller)) return undefined;
  const chain = lockChainId(req.app, req.stage);
  return holder
    ? `the stage lock (ledger chain ${chain}) is held by promotion ${holder.promotionId} (workflow ${holder.workflowId}), not by this workflow`
    : `this workflow does not hold the stage lock (ledger chain ${chain} has no holder)`;
}
