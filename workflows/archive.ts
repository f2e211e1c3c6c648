import { proxyActivities } from '@temporalio/workflow';
import type { OrchestrationActivities } from '../activities/contracts.js';

const { archiveHistory } = proxyActivities<Pick<OrchestrationActivities, 'archiveHistory'>>({
  startToCloseTimeout: '5m',
  // The promotion closes moments after starting this workflow; until then the activity retries.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * Started (abandoned) by a promotion as it finishes: copies the closed promotion's full history
 * into the ledger's storage, because Temporal keeps closed workflows only for the retention period.
 */
export async function archivePromotion(req: {
  promotionId: string;
  workflowId: string;
  runId: string;
}): Promise<{ sha256: string; events: number }> {
  return archiveHistory(req);
}
