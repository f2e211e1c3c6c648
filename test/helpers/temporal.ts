/**
 * The shared harness for workflow tests: one real Temporal server per test file, a fresh task
 * queue per test, a cached workflow bundle per process. Servers are provisioned, never skipped.
 *
 *   const temporal = await startDevServer();
 *   after(() => temporal.teardown());
 *   await temporal.withWorker({ activities }, async (taskQueue) => { ... });
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import protos from '@temporalio/proto';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { findTemporalCli } from '../../src/provision/temporal-cli.js';
import { findTestServer } from '../../src/provision/test-server.js';
import { TOLLGATE_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { workflowBundle } from '../../src/temporal/workflow-bundle.js';
import { createLogger } from '../../src/logging/logger.js';
import { installTemporalLogging } from '../../src/logging/temporal-runtime.js';

installTemporalLogging(createLogger({ level: process.env.TOLLGATE_TEST_LOG_LEVEL ?? 'warn', pretty: false }));

export { workflowBundle };

export type HarnessWorkerOptions = Partial<Omit<WorkerOptions, 'connection' | 'workflowsPath'>> & {
  workflowsPath?: string;
};

export interface Harness {
  env: TestWorkflowEnvironment;
  /** A task queue no other test uses. */
  taskQueue(prefix?: string): string;
  /** Runs a worker on a fresh task queue (unless one is given) for the duration of `fn`. */
  withWorker<T>(opts: HarnessWorkerOptions, fn: (taskQueue: string) => Promise<T>): Promise<T>;
  createWorker(opts: HarnessWorkerOptions): Promise<Worker>;
  teardown(): Promise<void>;
}

function makeHarness(env: TestWorkflowEnvironment): Harness {
  const taskQueue = (prefix = 'test') => `${prefix}-${randomUUID()}`;
  const createWorker = async (opts: HarnessWorkerOptions) => {
    const { workflowsPath: wfPath, ...rest } = opts;
    return Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: rest.taskQueue ?? taskQueue(),
      workflowBundle: await workflowBundle(wfPath),
      ...rest,
    });
  };
  return {
    env,
    taskQueue,
    createWorker,
    async withWorker(opts, fn) {
      const queue = opts.taskQueue ?? taskQueue();
      const worker = await createWorker({ ...opts, taskQueue: queue });
      return worker.runUntil(fn(queue));
    },
    teardown: () => env.teardown(),
  };
}

/**
 * A real Temporal CLI dev server (with advanced visibility and Tollgate's search attributes).
 * `namespaces` are created at start, each with the search attributes, so several independent
 * Tollgate installations (fixed task queue names) can share one server. `logLevel: 'error'`
 * quiets the warnings a server logs while its workers are being killed on purpose.
 */
export async function startDevServer(
  opts: {
    namespaces?: string[];
    logLevel?: 'warn' | 'error';
    /**
     * Fire timers shorter than a second on time. The server never fires a timer earlier than
     * history.timerProcessorMaxTimeShift (1 s) after it was set, so a 100 ms bake waits a second;
     * timers of a second or more are not affected.
     */
    subSecondTimers?: boolean;
    /**
     * Hand each workflow task, activity task and fired timer on as soon as it is due. The history
     * service loads its timer and transfer queues at most 20 times a second each, so a workflow
     * that is alone on the server waits for that limiter at every step (a 100-step canary with
     * 20 ms bakes: timers fired 70–160 ms after they were set, 27.5 s in all; 20.5 s without the
     * limit; 15 s in the full benchmark run). Under load each load takes a batch of tasks: the
     * 200 concurrent promotions moved within the host's noise (168.2 → 166.5 s).
     */
    unthrottledQueues?: boolean;
  } = {},
): Promise<Harness> {
  const executable = await findTemporalCli();
  const extraArgs = [
    ...(opts.namespaces ?? []).flatMap((namespace) => ['--namespace', namespace]),
    ...(opts.logLevel ? ['--log-level', opts.logLevel] : []),
    ...(opts.subSecondTimers ? ['--dynamic-config-value', 'history.timerProcessorMaxTimeShift="10ms"'] : []),
    ...(opts.unthrottledQueues
      ? ['timer', 'transfer'].flatMap((queue) => [
          '--dynamic-config-value',
          `history.${queue}ProcessorMaxPollRPS=1000`,
        ])
      : []),
  ];
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable, searchAttributes: TOLLGATE_SEARCH_ATTRIBUTES, ui: false, extraArgs },
  });
  return makeHarness(env);
}

/** Temporal's Java test server: timers skip ahead whenever the workflow is only waiting. */
export async function startTimeSkippingServer(): Promise<Harness> {
  const executable = await findTestServer();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
  // The Java test server refuses upserts of unknown search attributes; register Tollgate's.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      TOLLGATE_SEARCH_ATTRIBUTES.map((key) => [
        key.name,
        protos.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      ]),
    ),
  });
  return makeHarness(env);
}
