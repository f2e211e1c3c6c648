/** What `tollgate promote` does (its shape is in promote.ts). */
import { ORCHESTRATION_TASK_QUEUE } from '../../../activities/contracts.js';
import type { promotion } from '../../../workflows/promotion.js';
import { readReleaseFile } from '../../config/release-file.js';
import { prepareSignedStart } from '../../promotion/prepare.js';
import type { Tollgate } from '../context.js';
import { OutcomeFailure, UserError } from '../errors.js';
import { followPromotion, resultLine } from '../follow.js';
import { storeEvidence } from './promote-evidence.js';
import { promotionDetails } from '../web-ui.js';
import type { PromoteOptions } from './promote.js';

export async function promote(ctx: Tollgate, file: string, opts: PromoteOptions): Promise<void> {
  const config = await ctx.config();
  const release = await storeEvidence(config, await readReleaseFile(file, { resolvePaths: true }));
  // The signer is the requester: the manifest's `requester` is only what it claims.
  const signer = await ctx.signer();
  let input;
  try {
    input = prepareSignedStart(config, release, signer, {
      ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
      ...(opts.id ? { promotionId: opts.id } : {}),
    });
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  const client = await ctx.client();
  await client.workflow.start<typeof promotion>('promotion', {
    taskQueue: ORCHESTRATION_TASK_QUEUE,
    workflowId: input.promotionId,
    args: [input.start],
    // Shown in the Web UI beside the id; the outcome is the TollgateStatus search attribute.
    staticSummary: `${release.app} ${release.version} → ${input.pipeline.stages.map((s) => s.name).join(' → ')}, requested by ${input.start.request.payload.actor}`,
    staticDetails: promotionDetails({
      release,
      pipeline: input.pipeline,
      releaseDigest: input.releaseDigest,
      promotionId: input.promotionId,
      requester: input.start.request.payload.actor,
    }),
  });
  const link = await ctx.webUiLink(input.promotionId);
  const started = {
    promotionId: input.promotionId,
    app: release.app,
    version: release.version,
    pipeline: input.pipeline.name,
    releaseDigest: input.releaseDigest,
    ...(link ? { webUi: link } : {}),
  };
  if (ctx.json) ctx.out(JSON.stringify(started));
  else {
    ctx.out(
      `promotion ${ctx.io.paint('bold', input.promotionId)} started: ${release.app} ${release.version} through ${input.pipeline.stages.map((s) => s.name).join(' → ')}`,
    );
    ctx.out(`release digest ${input.releaseDigest}`);
    if (link) ctx.out(`web UI  ${link}`);
  }
  if (!opts.follow) return;
  const result = await followPromotion(client, input.promotionId, ctx.io, { json: ctx.json });
  ctx.out(ctx.json ? JSON.stringify({ promotionId: input.promotionId, result }) : resultLine(ctx.io, result));
  if (result.status !== 'succeeded') throw new OutcomeFailure('');
}
