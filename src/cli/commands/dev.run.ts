/** What `tollgate dev` and `tollgate worker` do (their shapes are in dev.ts). */
import path from 'node:path';
import { connectClient, connectWorker } from '../../client/connection.js';
import { createLogger } from '../../logging/logger.js';
import { defaultDbFile, resetDevDatabase } from '../../server/dev-server.js';
import { runWorkers } from '../../worker/run.js';
import type { Tollgate } from '../context.js';
import { startEmbedded } from '../environment.js';
import { UserError } from '../errors.js';
import type { DevOptions, WorkerOptions } from './dev.js';

/** Resolves on the first SIGINT or SIGTERM. */
export function untilInterrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export async function dev(ctx: Tollgate, opts: DevOptions): Promise<void> {
  // Everything under Tollgate's home is found through TOLLGATE_HOME, read when first needed.
  if (opts.stateDir) process.env.TOLLGATE_HOME = path.resolve(opts.stateDir);
  const config = await ctx.config();
  const source = await ctx.configSource();
  if (opts.reset) {
    const aside = await resetDevDatabase();
    ctx.io.err(aside ? `moved the old database to ${aside}` : `no database at ${defaultDbFile()} yet`);
  }
  const logger = createLogger();
  ctx.io.err(
    `starting Temporal dev server, workers${opts.hook ? ' and chat hook' : ''} (config ${source.file})`,
  );
  const env = await startEmbedded(config, {
    port: opts.port,
    ...(opts.uiPort ? { uiPort: opts.uiPort } : {}),
    ...(opts.headless ? { headless: true } : {}),
    hook: opts.hook,
    ...(opts.hookPort ? { hookPort: opts.hookPort } : {}),
    logger,
  });
  const ready = {
    address: env.server.address,
    webUi: env.server.uiUrl,
    hook: env.hookUrl,
    database: env.server.dbFile,
  };
  ctx.print(ready, () =>
    [
      `Temporal   ${env.server.address} (namespace default, database ${env.server.dbFile})`,
      ...(env.server.uiUrl ? [`Web UI     ${env.server.uiUrl}`] : []),
      ...(env.hookUrl ? [`chat hook  ${env.hookUrl}`] : []),
      'workers    tollgate + ' +
        config.pipelines
          .flatMap((p) => p.stages.map((s) => `tollgate-deploy-${s.name}`))
          .filter((q, i, a) => a.indexOf(q) === i)
          .join(', '),
      'Ctrl-C stops everything; promotions are kept for the next `tollgate dev`.',
    ].join('\n'),
  );
  const why = await Promise.race([untilInterrupted().then((s) => `received ${s}`), env.failed]);
  ctx.io.err(`stopping (${why})`);
  await env.stop();
}

export async function worker(ctx: Tollgate, opts: WorkerOptions): Promise<void> {
  if (!opts.orchestration && !opts.allStages && !opts.stage?.length)
    throw new UserError('nothing to run: give --orchestration, --stage <name> and/or --all-stages');
  const config = await ctx.config();
  const target = await ctx.temporalTarget();
  const logger = createLogger();
  const { client, connection } = await connectClient(target);
  const native = await connectWorker(target, logger);
  try {
    const workers = await runWorkers({
      config,
      connection: native,
      client,
      namespace: target.namespace,
      stages: opts.allStages ? 'all' : (opts.stage ?? []),
      orchestration: Boolean(opts.orchestration),
      logger,
      handleSignals: true,
    });
    ctx.print(
      { address: target.address, namespace: target.namespace, taskQueues: workers.taskQueues },
      () =>
        `workers polling ${workers.taskQueues.join(', ')} on ${target.address} (namespace ${target.namespace})`,
    );
    await workers.done;
  } finally {
    await native.close();
    await connection.close();
  }
}
