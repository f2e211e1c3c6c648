/**
 * Runs Tollgate's workers: the orchestration worker on `tollgate` (every workflow plus the
 * orchestration activities) and one worker per stage on `tollgate-deploy-<stage>` (that stage's
 * deploy activities only). Separate stage workers let each environment's credentials live in
 * its own process; `tollgate dev` runs them all in one.
 */
import type { Client } from '@temporalio/client';
import type { Registry } from 'prom-client';
import type { Tracer } from '@opentelemetry/api';
import { OpenTelemetryActivityInboundInterceptor } from '@temporalio/interceptors-opentelemetry';
import { Worker, type ActivityInterceptorsFactory, type NativeConnection } from '@temporalio/worker';
import { ORCHESTRATION_TASK_QUEUE, stageTaskQueue } from '../../activities/contracts.js';
import type { TollgateConfig } from '../config/schema.js';
import { loadWorkerIdentity } from '../config/worker-identity.js';
import type { Logger } from '../logging/logger.js';
import { installTemporalLogging } from '../logging/temporal-runtime.js';
import type { Readiness } from '../ops/server.js';
import { evidenceObserver, type EvidenceListener } from '../telemetry/evidence-observer.js';
import { createGateTracer } from '../telemetry/gate-spans.js';
import { createTollgateMetrics } from '../telemetry/metrics.js';
import { workflowBundle } from '../temporal/workflow-bundle.js';
import { buildOrchestrationActivities, buildStageActivities, stageNames, type Built } from './activities.js';

export interface RunWorkersOptions {
  config: TollgateConfig;
  connection: NativeConnection;
  /** For the coordination and archive activities. */
  client: Client;
  namespace: string;
  /** Stage workers to run; `'all'` = every stage of every pipeline. Default: none. */
  stages?: string[] | 'all';
  orchestration: boolean;
  logger: Logger;
  /** Aborting it shuts the workers down gracefully (in-flight activities finish). */
  signal?: AbortSignal;
  /** Install SIGINT/SIGTERM handlers that shut down gracefully (standalone `tollgate worker`). */
  handleSignals?: boolean;
  /** Registry that receives Tollgate's promotion metrics, from the evidence the orchestration worker appends. */
  metrics?: Registry;
  /** Further listeners to every appended evidence record (events to CDEvents sinks). */
  evidenceListeners?: EvidenceListener[];
  /** Traces activities (Temporal's OpenTelemetry interceptor) and, on the orchestration worker, every gate. */
  tracer?: Tracer;
}

export interface RunningWorkers {
  /** The task queues being polled. */
  taskQueues: string[];
  /** Resolves when every worker has stopped and its resources are released. */
  done: Promise<void>;
  /** Ready while every worker polls its queue (the `/readyz` probe of `tollgate worker`). */
  readiness(): Readiness;
  shutdown(): Promise<void>;
}

/** A span per activity execution, from the SDK's own OpenTelemetry interceptor. */
function activityTracing(tracer: Tracer | undefined): ActivityInterceptorsFactory[] {
  return tracer ? [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }) })] : [];
}

export async function runWorkers(opts: RunWorkersOptions): Promise<RunningWorkers> {
  const { config, connection, namespace, logger } = opts;
  installTemporalLogging(logger);
  const stages = opts.stages === 'all' ? stageNames(config) : (opts.stages ?? []);
  if (!opts.orchestration && stages.length === 0)
    throw new Error('nothing to run: give --orchestration and/or --stage <name>');

  const built: Built<object>[] = [];
  const workers: Worker[] = [];
  try {
    if (opts.orchestration) {
      const orchestration = await buildOrchestrationActivities(config, { client: opts.client, logger });
      built.push(orchestration);
      workers.push(
        await Worker.create({
          connection,
          namespace,
          taskQueue: ORCHESTRATION_TASK_QUEUE,
          workflowBundle: await workflowBundle(),
          activities: orchestration.activities,
          interceptors: {
            activity: [
              ...activityTracing(opts.tracer),
              evidenceObserver(
                [
                  ...(opts.metrics ? [createTollgateMetrics(opts.metrics).observe] : []),
                  ...(opts.tracer ? [createGateTracer(opts.tracer).observe] : []),
                  ...(opts.evidenceListeners ?? []),
                ],
                logger,
              ),
            ],
          },
        }),
      );
    }
    // A stage worker that cannot sign must not start: its key is checked before it polls.
    if (stages.length > 0) await loadWorkerIdentity(config);
    for (const stage of stages) {
      const stageActivities = buildStageActivities(config, stage, { logger });
      built.push(stageActivities);
      workers.push(
        await Worker.create({
          connection,
          namespace,
          taskQueue: stageTaskQueue(stage),
          activities: stageActivities.activities,
          interceptors: { activity: activityTracing(opts.tracer) },
        }),
      );
    }
  } catch (err) {
    await Promise.all(built.map((b) => b.close()));
    throw err;
  }

  const taskQueues = workers.map((w) => w.options.taskQueue);
  logger.info({ namespace, taskQueues }, 'workers started');
  const running = workers.map((w) => w.run());
  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      logger.info({ taskQueues }, 'workers shutting down (in-flight tasks finish first)');
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(running);
    })();
    return stopping;
  };
  // One worker failing (e.g. its queue's registration is rejected) stops them all: a half-served
  // pipeline would leave promotions waiting silently.
  for (const r of running) {
    r.catch((err: unknown) => {
      logger.error({ err }, 'a worker stopped with an error; stopping the others');
      void shutdown();
    });
  }
  const onSignal = () => void shutdown();
  opts.signal?.addEventListener('abort', onSignal, { once: true });
  if (opts.handleSignals) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const done = Promise.allSettled(running).then(async (results) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await Promise.all(built.map((b) => b.close()));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  });
  return {
    taskQueues,
    done,
    readiness: () => {
      const idle = workers.filter((w) => w.getState() !== 'RUNNING');
      return idle.length === 0
        ? { ready: true }
        : {
            ready: false,
            reason: idle.map((w) => `${w.options.taskQueue} is ${w.getState().toLowerCase()}`).join('; '),
          };
    },
    shutdown: async () => {
      await shutdown();
      await done.catch(() => undefined);
    },
  };
}
