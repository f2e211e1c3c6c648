/**
 * `--follow` and `tollgate watch`: live progress of a promotion until it ends; the result decides
 * the exit code. With `--json`, one JSON object per event (its fields, no formatted text).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { promotion } from '../../workflows/promotion.js';
import { stateQuery } from '../../workflows/messages.js';
import type { PromotionResult, PromotionState } from '../../workflows/types.js';
import type { Output } from './output.js';
import { createProgressTracker, paintStatus, statusLine, type ProgressEvent } from './progress.js';

const POLL_MS = 500;

/** An event as `--json` prints it: its fields, the promotion, and when it was seen. */
export function eventJson(promotionId: string, { text: _text, ...fields }: ProgressEvent): string {
  return JSON.stringify({ promotionId, seenAt: new Date().toISOString(), ...fields });
}

export async function followPromotion(
  client: Client,
  workflowId: string,
  io: Output,
  opts: { json: boolean; signal?: AbortSignal },
): Promise<PromotionResult> {
  const handle = client.workflow.getHandle<typeof promotion>(workflowId);
  const tracker = createProgressTracker(io.paint);
  let last: PromotionState | undefined;
  for (;;) {
    const state = await handle.query(stateQuery);
    for (const event of tracker.update(state))
      io.out(opts.json ? eventJson(state.promotionId, event) : event.text);
    last = state;
    if (state.status !== 'running') break;
    io.status(`${io.paint('cyan', '…')} ${state.app} ${state.version}: ${statusLine(state)}`);
    await sleep(POLL_MS, undefined, opts.signal ? { signal: opts.signal } : {});
  }
  io.clearStatus();
  try {
    return await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    return {
      status: 'failed',
      outcome: `the promotion workflow failed: ${err.cause?.message ?? err.message}`,
      stages: last.stages.map((s) => ({ name: s.name, status: s.status })),
      evidenceRecords: 0,
    };
  }
}

export function resultLine(io: Output, result: PromotionResult): string {
  return `${paintStatus(io.paint, result.status)}: ${result.outcome}`;
}
