/** What `tollgate dev` and `tollgate worker` do (their shapes are in dev.ts). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { connectClient, connectWorker } from '../../client/connection.js';
import { deployTaskQueue } from '../../domain/task-queues.js';
import { createLogger } from '../../logging/logger.js';
import { defaultDbFile, resetDevDatabase } from '../../provision/dev-server.js';
import { projectRoot } from '../../paths.js';
import { startOpsServer } from '../../ops/server.js';
import { createCdEventsMapper } from '../../telemetry/cdevents.js';
import { createCdEventsSender } from '../../telemetry/cdevents-sink.js';
import { createTollgateRegistry } from '../../telemetry/metrics.js';
import { otlpConfigured, startTracing } from '../../telemetry/tracing.js';
import { runWorkers } from '../../worker/run.js';
import type { Tollgate } from '../context.js';
import { startEmbedded } from '../environment.js';
import { UserError } from '../errors.js';
import type { DevOptions, WorkerOptions } from './dev.js';
import type { TollgateConfig } from '../../config/schema.js';
import { Name } from '../../domain/common.js';

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
          .flatMap((p) => p.stages.map((s) => deployTaskQueue(s.name)))
          .filter((q, i, a) => a.indexOf(q) === i)
          .join(', '),
      'Ctrl-C stops everything; promotions are kept for the next `tollgate dev`.',
    ].join('\n'),
  );
  const why = await Promise.race([untilInterrupted().then((s) => `received ${s}`), env.failed]);
  ctx.io.err(`stopping (${why})`);
  await env.stop();
}

async function tollgateVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(path.join(projectRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export async function worker(ctx: Tollgate, opts: WorkerOptions): Promise<void> {
  if (!opts.orchestration && !opts.allStages && !opts.stage?.length)
    throw new UserError('nothing to run: give --orchestration, --stage <name> and/or --all-stages');
  const config = withIdentity(await ctx.config(), opts);
  const target = await ctx.temporalTarget();
  const logger = createLogger();
  const registry = createTollgateRegistry();
  const cdevents = await createCdEventsSender(config.events.cdevents, { logger });
  const toCdEvents = createCdEventsMapper(config.events.source);
  const tracing = otlpConfigured()
    ? startTracing({
        role:
          [
            ...(opts.orchestration ? ['orchestration'] : []),
            ...(opts.stage ?? []).map((s) => `stage-${s}`),
          ].join(',') || 'all-stages',
        version: await tollgateVersion(),
      })
    : undefined;
  const { client, connection } = await connectClient(target);
  const native = await connectWorker(target, logger);
  try {
    const workers = await runWorkers({
      metrics: registry,
      ...(tracing ? { tracer: tracing.tracer } : {}),
      evidenceListeners:
        config.events.cdevents.length > 0 ? [(record) => cdevents.send(toCdEvents.map(record))] : [],
      config,
      connection: native,
      client,
      namespace: target.namespace,
      stages: opts.allStages ? 'all' : (opts.stage ?? []),
      orchestration: Boolean(opts.orchestration),
      logger,
      handleSignals: true,
    });
    const ops =
      opts.opsPort === undefined
        ? undefined
        : await startOpsServer({
            port: opts.opsPort,
            host: opts.opsHost,
            readiness: () => workers.readiness(),
            registry,
          });
    ctx.print(
      {
        address: target.address,
        namespace: target.namespace,
        taskQueues: workers.taskQueues,
        ...(ops ? { ops: ops.url } : {}),
      },
      () =>
        `workers polling ${workers.taskQueues.join(', ')} on ${target.address} (namespace ${target.namespace})` +
        (ops ? `; /healthz, /readyz and /metrics on ${ops.url}` : ''),
    );
    try {
      await workers.done;
    } finally {
      await cdevents.drain(10_000);
      await tracing?.shutdown();
      await ops?.close();
    }
  } finally {
    await native.close();
    await connection.close();
  }
}

/**
 * The worker identity given on the command line: stage workers that share one config file (one
 * ConfigMap) each sign with their own name and key, mounted from their stage's own Secret.
 */
function withIdentity(config: TollgateConfig, opts: WorkerOptions): TollgateConfig {
  if (opts.identity === undefined && opts.identityKey === undefined) return config;
  const identity = opts.identity ?? config.worker.identity;
  const parsed = Name.safeParse(identity);
  if (!parsed.success)
    throw new UserError(`--identity ${JSON.stringify(identity)}: ${parsed.error.issues[0]?.message}`);
  return {
    ...config,
    worker: {
      identity,
      ...(opts.identityKey
        ? { signingKey: path.resolve(opts.identityKey) }
        : config.worker.signingKey
          ? { signingKey: config.worker.signingKey }
          : {}),
    },
  };
}
