/**
 * A promotion that never finishes must end a benchmark run with the reason, not hang it (a lost
 * lock answer once left the 200-promotion run waiting at one promotion's prod lock).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { stateQuery } from '../../workflows/messages.js';
import type { promotion } from '../../workflows/promotion.js';
import type { PromotionResult } from '../../workflows/types.js';

/** The promotions' results, or an error naming those still running and where they wait. */
export async function resultsWithin(
  handles: WorkflowHandle<typeof promotion>[],
  minutes: number,
): Promise<PromotionResult[]> {
  const finished = new Set<string>();
  const all = Promise.all(
    handles.map(async (h) => {
      const result = await h.result();
      finished.add(h.workflowId);
      return result;
    }),
  );
  async function stalled(): Promise<Error> {
    const running = handles.filter((h) => !finished.has(h.workflowId));
    const where = await Promise.all(
      running.slice(0, 5).map(async (h) => {
        const state = await h.query(stateQuery).catch(() => undefined);
        return `${h.workflowId} (${state ? `${state.currentStage ?? '-'}, waiting at ${state.gate ?? '-'}` : 'state unknown'})`;
      }),
    );
    const more = running.length > where.length ? ', …' : '';
    return new Error(
      `${running.length} of ${handles.length} promotions not finished after ${minutes} min: ${where.join(', ')}${more}`,
    );
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => void stalled().then(reject, reject), minutes * 60_000);
  });
  try {
    return await Promise.race([all, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
