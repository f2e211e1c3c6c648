/**
 * The line: one long-lived workflow (id `tollgate-line`) that holds the stop-the-line freeze.
 * `tollgate freeze` / `unfreeze` update it; it forwards the signed action to every running
 * promotion, and new promotions ask it at start. Promotions verify the signature themselves.
 */
import {
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { FreezeAction, Signed } from '../src/approvals/actions.js';
import type { OrchestrationActivities } from '../activities/contracts.js';

export const LINE_WORKFLOW_ID = 'tollgate-line';

export const setFreezeUpdate = defineUpdate<{ frozen: boolean; notified: number }, [Signed<FreezeAction>]>(
  'setFreeze',
);
export const lineStatusQuery = defineQuery<{ freeze?: Signed<FreezeAction> }>('lineStatus');

const { broadcastFreeze } = proxyActivities<Pick<OrchestrationActivities, 'broadcastFreeze'>>({
  startToCloseTimeout: '2m',
  retry: { maximumInterval: '30s' },
});

export async function line(initial: { freeze?: Signed<FreezeAction> } = {}): Promise<void> {
  let freeze = initial.freeze;
  setHandler(lineStatusQuery, () => (freeze ? { freeze } : {}));
  setHandler(
    setFreezeUpdate,
    async (signed) => {
      freeze = signed.payload.frozen ? signed : undefined;
      const { notified } = await broadcastFreeze(signed);
      return { frozen: signed.payload.frozen, notified };
    },
    {
      validator: (signed: Signed<FreezeAction>) => {
        if (signed.payload.kind !== 'freeze') throw new Error('not a freeze action');
        if (!signed.payload.reason) throw new Error('a freeze needs a reason');
      },
    },
  );
  await condition(() => workflowInfo().continueAsNewSuggested);
  await continueAsNew<typeof line>(freeze ? { freeze } : {});
}
