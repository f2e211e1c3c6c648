/** `tollgate freeze|unfreeze`: stop the line for every promotion (or lift the stop), signed. */
import type { Command } from 'commander';
import { ORCHESTRATION_TASK_QUEUE } from '../../../activities/contracts.js';
import { LINE_WORKFLOW_ID, setFreezeUpdate, type line } from '../../../workflows/line.js';
import type { FreezeAction } from '../../approvals/actions.js';
import type { Tollgate } from '../context.js';
import { sendAction } from '../actions.js';

function registerFreeze(program: Command, ctx: Tollgate, frozen: boolean): void {
  const name = frozen ? 'freeze' : 'unfreeze';
  program
    .command(name)
    .description(
      frozen
        ? 'stop the line: no promotion deploys anywhere until unfrozen'
        : 'lift the stop-the-line freeze',
    )
    .requiredOption('--reason <text>', 'recorded in every running promotion')
    .addHelpText(
      'after',
      `\nExample:\n  tollgate ${name} --reason "${frozen ? 'incident INC-4711: payments degraded' : 'INC-4711 resolved'}"`,
    )
    .action(async (opts: { reason: string }) => {
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
    });
}

export function registerLineCommands(program: Command, ctx: Tollgate): void {
  registerFreeze(program, ctx, true);
  registerFreeze(program, ctx, false);
}
