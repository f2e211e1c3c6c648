/** `tollgate dev` (the embedded environment) and `tollgate worker` (workers for any cluster). */
import { InvalidArgumentError, type Command } from 'commander';
import { connectClient, connectWorker } from '../../client/connection.js';
import { createLogger } from '../../logging/logger.js';
import { defaultDbFile, resetDevDatabase } from '../../server/dev-server.js';
import { runWorkers } from '../../worker/run.js';
import type { Tollgate } from '../context.js';
import { startEmbedded } from '../environment.js';
import { UserError } from '../errors.js';

export function portOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError('must be a port number (1-65535)');
  return n;
}

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

export function registerDevCommands(program: Command, ctx: Tollgate): void {
  program
    .command('dev')
    .description(
      'run everything locally: Temporal dev server (state kept in .tollgate/dev), all workers, the chat hook',
    )
    .option('--port <port>', 'Temporal gRPC port', portOption, 7233)
    .option('--ui-port <port>', 'Temporal Web UI port (default: --port + 1000)', portOption)
    .option('--headless', 'no Web UI')
    .option('--no-hook', 'do not start the chat hook')
    .option('--reset', "move the dev server's database aside first (a fresh, empty server)")
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate dev\n  tollgate dev --port 7300 --ui-port 8300\n  tollgate dev --reset',
    )
    .action(
      async (opts: { port: number; uiPort?: number; headless?: boolean; hook: boolean; reset?: boolean }) => {
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
      },
    );

  program
    .command('worker')
    .description(
      'run Tollgate workers against any Temporal (address and namespace from the Temporal environment)',
    )
    .option(
      '--stage <name...>',
      "serve these stages' deploy queues (tollgate-deploy-<name>), with their credentials",
    )
    .option('--all-stages', 'serve every stage of every pipeline')
    .option(
      '--orchestration',
      'serve the orchestration queue (tollgate): workflows, policy, evidence, notify',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate worker --orchestration\n  TEMPORAL_PROFILE=prod tollgate worker --stage prod\n  tollgate worker --orchestration --all-stages',
    )
    .action(async (opts: { stage?: string[]; allStages?: boolean; orchestration?: boolean }) => {
      if (!opts.orchestration && !opts.allStages && !opts.stage?.length)
        throw new UserError('nothing to run: give --orchestration, --stage <name> and/or --all-stages');
      const config = await ctx.config();
      const target = ctx.temporalTarget();
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
    });
}
