/** What `tollgate freeze|unfreeze` do (their shapes are in line.ts). */
import { ORCHESTRATION_TASK_QUEUE } from '../../../activities/contracts.js';
import { LINE_WORKFLOW_ID, setFreezeUpdate, type line } from '../../../workflows/line.js';
import type { FreezeAction } from '../../approvals/actions.js';
import type { Tollgate } from '../context.js';
import { sendAction } from '../actions.js';

export async function setFreeze(ctx: Tollgate, frozen: boolean, opts: { reason: string }): Promise<void> {
  const name = frozen ? 'freeze' : 'unfreeze';
  const signer = await ctx.signer();
  const action: FreezeAction = { ...signer.base('*'), kind: 'freeze', frozen, reason: opts.reason };
  const client = await ctx.client();
  // The line workflow is started on first use and lives on (continue-as-new).
  const handle = await client.workflow.start<typeof line>('line', {
    workflowId: LINE_WORKFLOW_ID,
    taskQueue: ORCHESTRATION_TASK_QUEUE,
    args: [{}],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  const outcome = await sendAction(ctx, signer, { command: name, promotionId: '*' }, () =>
    handle.executeUpdate(setFreezeUpdate, { args: [signer.sign(action)] }),
  );
  ctx.print(
    outcome,
    () =>
      `${outcome.frozen ? 'line frozen' : 'line unfrozen'} by ${signer.principal}; ${outcome.notified} running promotion(s) notified`,
  );
}
