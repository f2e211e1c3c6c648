/** What `tollgate freeze|unfreeze` do (their shapes are in line.ts). */
import { ORCHESTRATION_TASK_QUEUE } from '../../../activities/contracts.js';
import { LINE_WORKFLOW_ID, setFreezeUpdate, type freeze } from '../../../workflows/line.js';
import type { FreezeAction } from '../../approvals/actions.js';
import type { Tollgate } from '../context.js';
import { sendAction } from '../actions.js';
import { RefusedError } from '../errors.js';

export async function setFreeze(ctx: Tollgate, frozen: boolean, opts: { reason: string }): Promise<void> {
  const name = frozen ? 'freeze' : 'unfreeze';
  const signer = await ctx.signer();
  // Promotions ignore (and record) a freeze from anyone outside their pipeline's operator
  // groups, so saying "line frozen" for such a freeze would be false: refuse it here.
  const config = await ctx.config();
  const groups = config.principals.find((p) => p.id === signer.principal)?.groups ?? [];
  const heeding = config.pipelines.filter((p) => p.operatorGroups.some((g) => groups.includes(g)));
  if (heeding.length === 0)
    throw new RefusedError(
      `${signer.principal} may not ${name} the line: not in an operator group of any pipeline (${[...new Set(config.pipelines.flatMap((p) => p.operatorGroups))].join(', ') || 'no pipeline has operator groups'})`,
    );
  const ignoring = config.pipelines.filter((p) => !heeding.includes(p));
  const action: FreezeAction = { ...signer.base('*'), kind: 'freeze', frozen, reason: opts.reason };
  const client = await ctx.client();
  // The line workflow is started on first use and lives on (continue-as-new).
  const handle = await client.workflow.start<typeof freeze>('freeze', {
    workflowId: LINE_WORKFLOW_ID,
    taskQueue: ORCHESTRATION_TASK_QUEUE,
    args: [{}],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  const outcome = await sendAction(ctx, signer, { command: name, promotionId: '*' }, () =>
    handle.executeUpdate(setFreezeUpdate, { args: [signer.sign(action)] }),
  );
  ctx.print(
    { ...outcome, ...(ignoring.length ? { notHeededBy: ignoring.map((p) => p.name) } : {}) },
    () =>
      `${outcome.frozen ? 'line frozen' : 'line unfrozen'} by ${signer.principal}; ${outcome.notified} running promotion(s) notified${ignoring.length ? `; promotions of pipeline(s) ${ignoring.map((p) => p.name).join(', ')} ignore it (${signer.principal} is not their operator)` : ''}`,
  );
}
