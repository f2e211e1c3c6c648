/** The work of `tollgate rollback`: sign the request, start the rollback workflow, report its end. */
import { randomUUID } from 'node:crypto';
import { ORCHESTRATION_TASK_QUEUE } from '../../../activities/contracts.js';
import type { rollback, RollbackResult } from '../../../workflows/rollback.js';
import type { RollbackAction } from '../../approvals/actions.js';
import type { Pipeline, TollgateConfig } from '../../config/schema.js';
import { confirm } from '../confirm.js';
import type { Tollgate } from '../context.js';
import { stageInConfig } from '../stage-config.js';
import { previewRollback, type RollbackPreview } from '../rollback-preview.js';
import { OutcomeFailure, RefusedError, UserError } from '../errors.js';
import type { RollbackOptions } from './rollback.js';

/** The pipeline whose operators decide: the one with this stage, or the one named. */
function pipelineWithStage(config: TollgateConfig, stage: string, name: string | undefined): Pipeline {
  return stageInConfig(config, stage, name).pipeline;
}

function newRollbackId(app: string, stage: string): string {
  return `rollback-${app}-${stage}-${randomUUID().slice(0, 8)}`.replace(/[^A-Za-z0-9._-]/g, '-');
}

export async function rollbackApp(ctx: Tollgate, app: string, opts: RollbackOptions): Promise<void> {
  const config = await ctx.config();
  const pipeline = pipelineWithStage(config, opts.stage, opts.pipeline);
  const signer = await ctx.signer();
  // The preview is advice read from the ledger; an unreadable ledger must not block an urgent rollback.
  const preview = await previewRollback(await ctx.ledger(), app, opts.stage, opts.to).catch(
    (): RollbackPreview => ({}),
  );
  const target = preview.to ?? opts.to ?? 'its previous version';
  if (preview.failedCanary)
    ctx.io.err(
      ctx.io.paint(
        'yellow',
        `warning: ${preview.to} failed its canary at ${preview.failedCanary.stage} in promotion ${preview.failedCanary.promotionId} (${preview.failedCanary.at}: ${preview.failedCanary.reason}); name another version with --to`,
      ),
    );
  const question = `roll back ${app} at ${opts.stage}${preview.from ? ` from ${preview.from}` : ''} to ${target} as ${signer.principal}?`;
  if (!(await confirm(question, { yes: opts.yes, refusing: 'roll back' }))) {
    ctx.out('not rolled back');
    return;
  }
  const rollbackId = newRollbackId(app, opts.stage);
  const request: RollbackAction = {
    ...signer.base(rollbackId),
    kind: 'rollback',
    app,
    stage: opts.stage,
    ...(opts.to ? { toVersion: opts.to } : {}),
    ...(opts.reason ? { reason: opts.reason } : {}),
  };
  const client = await ctx.client();
  const handle = await client.workflow.start<typeof rollback>('rollback', {
    taskQueue: ORCHESTRATION_TASK_QUEUE,
    workflowId: rollbackId,
    args: [
      {
        rollbackId,
        request: signer.sign(request),
        pipeline: pipeline.name,
      },
    ],
  });
  if (!ctx.json)
    ctx.out(
      `rollback ${ctx.io.paint('bold', rollbackId)} started: ${app} at ${opts.stage}${preview.from ? ` from ${preview.from}` : ''} to ${target}, as ${signer.principal}`,
    );
  const result = await handle.result();
  if (ctx.json) ctx.out(JSON.stringify({ rollbackId, app, stage: opts.stage, ...result }, null, 2));
  else if (result.status === 'rolled-back')
    ctx.out(`${ctx.io.paint('green', 'rolled back')}: ${result.outcome}`);
  failIfNotRolledBack(result);
}

function failIfNotRolledBack(result: RollbackResult): void {
  if (result.status === 'rolled-back') return;
  if (result.problem === 'refused') throw new RefusedError(result.outcome);
  if (result.problem === 'nothing-to-restore') throw new UserError(result.outcome);
  throw new OutcomeFailure(`failed: ${result.outcome}`);
}
