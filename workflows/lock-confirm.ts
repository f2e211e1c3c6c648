/**
 * The requester's side of a stage lock whose authority is the ledger's lock chain
 * (activities/lock-chain.ts). The `stageLock` workflow's answer is only a hint: anyone with
 * namespace access can send one. Every answer is confirmed by the confirmStageLock activity,
 * which acquires the stage in the ledger for this execution or says who holds it. A grant the
 * ledger does not confirm is a refused lock message and is recorded.
 *
 * The requester also looks at the ledger now and then without a hint: after a forged release its
 * lock workflow believes it holds the stage and sends nothing more, a lock workflow terminated
 * from outside sends nothing at all, and a holder that closed without releasing is taken over
 * only when someone asks. The pause doubles from RECHECK_FIRST up to RECHECK_MAX, so a long wait
 * behind another promotion adds a handful of events an hour.
 */
import { condition, patched } from '@temporalio/workflow';
import { RECORDED_REFUSALS } from './refusals.js';
import type { LockAnswer } from './stage-lock.js';

/** patched() id: promotions and rollbacks that confirm lock answers with the ledger's lock chain. */
export const LOCK_CHAIN = 'lock-chain';

const RECHECK_FIRST_MS = 2_000;
const RECHECK_MAX_MS = 10 * 60_000;

export interface ConfirmedLockDeps {
  mode: 'queue' | 'reject' | 'supersede';
  /** The requestStageLock activity with `acquire`: granted when it started the lock and acquired. */
  request: () => Promise<{ granted: true } | undefined>;
  /** The confirmStageLock activity: acquires in the ledger or says who holds the stage. */
  confirm: () => Promise<LockAnswer>;
  /** The last hint from a lockAnswer signal, if any, and forgetting it once it is acted on. */
  answered: () => LockAnswer | undefined;
  clear: () => void;
  /** Records a refused lock answer (bounded by the caller's refusal recording). */
  refused: (answer: LockAnswer, problem: string) => Promise<void>;
}

/** True when this workflow confirms lock answers with the ledger (new runs). */
export function confirmsWithLedger(): boolean {
  return patched(LOCK_CHAIN);
}

export async function awaitConfirmedLock(deps: ConfirmedLockDeps): Promise<LockAnswer> {
  const reply = await deps.request();
  if (reply?.granted) return reply;
  let pause = RECHECK_FIRST_MS;
  let refusedHints = 0;
  for (;;) {
    // After RECORDED_REFUSALS forged grants, hints are no longer acted on: a flood must not grow
    // the history without limit; the periodic look at the ledger still finds a real release.
    const listening = refusedHints < RECORDED_REFUSALS;
    const hinted = await condition(() => listening && deps.answered() !== undefined, pause);
    const answer = hinted ? deps.answered() : undefined;
    deps.clear();
    const confirmed = await deps.confirm();
    if (confirmed.granted) return confirmed;
    if (!answer) {
      pause = Math.min(pause * 2, RECHECK_MAX_MS);
      continue;
    }
    pause = RECHECK_FIRST_MS;
    // The lock refused (onConflict: reject) and the ledger agrees someone else holds the stage.
    if (!answer.granted && deps.mode === 'reject') return confirmed;
    // A grant the ledger does not confirm, or a refusal to a request that queues: not the lock's.
    refusedHints++;
    await deps.refused(
      answer,
      answer.granted
        ? `lock answer granted the stage, but its ledger lock chain has it held by ${confirmed.heldBy}`
        : `lock answer refused a request that waits its turn (onConflict: ${deps.mode}); the stage is held by ${confirmed.heldBy}`,
    );
  }
}
