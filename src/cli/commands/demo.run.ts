/** What `tollgate demo` does (its shape and story are in demo.ts). */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { ORCHESTRATION_TASK_QUEUE } from '../../../activities/contracts.js';
import type { promotion } from '../../../workflows/promotion.js';
import { stateQuery } from '../../../workflows/messages.js';
import type { PromotionResult } from '../../../workflows/types.js';
import { promotionReport } from '../../audit/report/build.js';
import { renderReport } from '../../audit/report/render.js';
import { periodReport } from '../../audit/report/period.js';
import { renderPeriodReport } from '../../audit/report/period-tables.js';
import { readReleaseFile } from '../../config/release-file.js';
import type { TollgateConfig } from '../../config/schema.js';
import { trustedWorkers } from '../../config/worker-identity.js';
import { stageNames } from '../../worker/activities.js';
import { createLedger } from '../../ledger/create.js';
import { publicKeyFromText } from '../../ledger/seal.js';
import { createLogger } from '../../logging/logger.js';
import { publicKeyText, readPrivateKey } from '../../keys.js';
import { prepareSignedStart } from '../../promotion/prepare.js';
import { resolveSigner } from '../identity.js';
import { projectRoot, tollgateHome } from '../../paths.js';
import type { Tollgate } from '../context.js';
import { chooseApprovers, slashCommand } from '../demo/slack.js';
import { OutcomeFailure, UserError } from '../errors.js';
import { startEmbedded } from '../environment.js';
import { followPromotion, resultLine } from '../follow.js';

const RELEASES = path.join(projectRoot, 'deploy', 'examples', 'releases');

/** Sends the Slack approvals each stage waits for, as the chosen approvers, once per stage. */
async function approveAsTheyWait(
  ctx: Tollgate,
  client: Client,
  config: TollgateConfig,
  hookUrl: string,
  promotionId: string,
  done: AbortSignal,
) {
  const handle = client.workflow.getHandle<typeof promotion>(promotionId);
  const approved = new Set<string>();
  while (!done.aborted) {
    const state = await handle.query(stateQuery).catch(() => undefined);
    if (state?.status !== 'running') return;
    const stageName = state.currentStage;
    if (state.gate === 'approval' && stageName && !approved.has(stageName)) {
      approved.add(stageName);
      const stage = state.stages.find((s) => s.name === stageName)!;
      const rule = config.pipelines.flatMap((p) => p.stages).find((s) => s.name === stageName)?.approval;
      if (rule && stage.approval) {
        await sleep(1500); // a person reads the request first
        for (const approver of chooseApprovers(config, rule, state.requester)) {
          const text = `approve ${promotionId} ${stageName} reviewed digest ${state.releaseDigest.slice(7, 19)}`;
          ctx.out(ctx.io.paint('gray', `${''.padEnd(8)} ${approver.id} in Slack: /tollgate ${text}`));
          const reply = await slashCommand(hookUrl, config, approver.chat.slack!, text);
          ctx.out(
            ctx.io.paint('gray', `${''.padEnd(8)} hook → ${reply.status} ${reply.text.split('\n')[0]}`),
          );
        }
      }
    }
    await sleep(300, undefined, { signal: done }).catch(() => undefined);
  }
}

async function runPromotion(
  ctx: Tollgate,
  client: Client,
  config: TollgateConfig,
  hookUrl: string,
  manifest: string,
): Promise<{ id: string; result: PromotionResult }> {
  const release = await readReleaseFile(manifest, { resolvePaths: true });
  // The demo's requester signs the start with the key the embedded config generated for them.
  const signer = await resolveSigner(config, { as: release.requester });
  const input = prepareSignedStart(config, release, signer);
  await client.workflow.start<typeof promotion>('promotion', {
    taskQueue: ORCHESTRATION_TASK_QUEUE,
    workflowId: input.promotionId,
    args: [input.start],
  });
  ctx.out(
    `promotion ${ctx.io.paint('bold', input.promotionId)}: ${release.app} ${release.version}, requested by ${release.requester} (${release.change.description})`,
  );
  const stop = new AbortController();
  const approving = approveAsTheyWait(ctx, client, config, hookUrl, input.promotionId, stop.signal);
  try {
    const result = await followPromotion(client, input.promotionId, ctx.io, { json: false });
    ctx.out(resultLine(ctx.io, result));
    return { id: input.promotionId, result };
  } finally {
    stop.abort();
    await approving.catch(() => undefined);
  }
}

export async function demo(ctx: Tollgate, opts: { port: number }): Promise<void> {
  const config = await ctx.config();
  if (!config.hook?.serviceKey || !config.hook.slack)
    throw new UserError(
      'the demo needs a config with hook.serviceKey and hook.slack (the embedded default has them: run it without --config / TOLLGATE_CONFIG / ./tollgate.yaml)',
    );
  const io = ctx.io;
  const step = (text: string) => io.out(`\n${io.paint('bold', `== ${text}`)}`);
  step('starting the Temporal dev server, the workers and the chat hook');
  const env = await startEmbedded(config, {
    port: opts.port,
    hook: true,
    logger: createLogger({ level: process.env.TOLLGATE_LOG_LEVEL ?? 'error' }),
  });
  try {
    io.out(
      `Temporal ${env.server.address}, Web UI ${env.server.uiUrl ?? '(headless)'}, chat hook ${env.hookUrl}`,
    );
    const promote = (release: string) =>
      runPromotion(ctx, env.client, config, env.hookUrl!, path.join(RELEASES, release));
    const demoStarted = new Date().toISOString();
    step('v1: a healthy release through dev → staging → prod (approvals from Slack)');
    const v1 = await promote('sample-app-1.0.0.yaml');
    step('v2: an error-prone release; watch the prod canary fail and roll back');
    const v2 = await promote('sample-app-2.0.0-errors.yaml');

    step('audit reports');
    const ledger = await createLedger(config.ledger, { logger: await ctx.logger() });
    const reportsDir = path.join(tollgateHome(), 'reports');
    await mkdir(reportsDir, { recursive: true });
    const publicKey = config.ledgerSigningKey
      ? publicKeyFromText(publicKeyText(await readPrivateKey(config.ledgerSigningKey)))
      : undefined;
    // The embedded workers share one identity: the separation row says so.
    const workers = await trustedWorkers(config, stageNames(config));
    try {
      for (const { id } of [v1, v2]) {
        const report = await promotionReport(ledger, id, { ...(publicKey ? { publicKey } : {}), workers });
        for (const format of ['html', 'md'] as const) {
          const file = path.join(reportsDir, `${id}.${format}`);
          await writeFile(file, renderReport(report, format));
          io.out(`report  ${file}`);
        }
      }
      // The auditor's view of the demo as a period: both changes to prod, DORA figures, OSCAL.
      const period = await periodReport(ledger, {
        since: demoStarted,
        until: new Date(Date.now() + 60_000).toISOString(),
        stage: 'prod',
        ...(publicKey ? { publicKey } : {}),
        workers,
      });
      for (const format of ['html', 'md', 'oscal'] as const) {
        const file = path.join(reportsDir, `period-prod.${format === 'oscal' ? 'oscal.json' : format}`);
        await writeFile(file, renderPeriodReport(period, format));
        io.out(`report  ${file}`);
      }
    } finally {
      await ledger.close();
    }
    const ok = v1.result.status === 'succeeded' && v2.result.status === 'rolled-back';
    step(
      ok ? 'done: v1 is serving in prod, v2 was rolled back automatically' : 'the demo did not go as planned',
    );
    io.out(
      `Both promotions stay in ${env.server.dbFile}: run \`npm run dev\` and open ${env.server.uiUrl ?? 'http://localhost:8233'}`,
    );
    io.out(`Verify the evidence: npm run tollgate -- audit verify`);
    if (!ok)
      throw new OutcomeFailure(
        `expected v1 succeeded and v2 rolled-back, got ${v1.result.status} and ${v2.result.status}`,
      );
  } finally {
    await env.stop();
  }
}
