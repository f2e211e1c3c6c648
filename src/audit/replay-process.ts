/**
 * One process of a replay pool (replay-pool.ts): replays the histories its parent sends, in
 * order, through a single replay worker for the life of the process, and answers each batch
 * with one outcome per history. The parent keeps everything else an audit does (evidence,
 * cross-check, report); this process only runs the SDK's replay.
 */
import { readFile } from 'node:fs/promises';
import protos from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { createLogger } from '../logging/logger.js';
import { installTemporalLogging } from '../logging/temporal-runtime.js';
import {
  describeReplayError,
  REPLAY_NAME,
  type PoolReply,
  type PoolRequest,
  type ReplayOutcome,
} from './replay-pool.js';
import { stopStackTraceCapture } from './replay-stack-traces.js';

type Item = { workflowId: string; history: protos.temporal.api.history.v1.IHistory };

installTemporalLogging(createLogger({ level: process.env.TOLLGATE_LOG_LEVEL ?? 'warn' }));

// The SDK's sandbox compiles a Function for every promise a workflow makes (its stack capture),
// and with source maps on — tsx turns them on when Tollgate runs from its sources — Node scans
// each one for a source-map comment: a fifth of every replay (200 recorded histories: 113 →
// 89 ms each, as fast as the compiled code). This process reports replay errors by message, so
// it has no use for mapped stack traces.
process.setSourceMapsEnabled(false);

/** Histories waiting to be replayed, handed to the replay worker one at a time. */
const queue: Item[] = [];
let wake: (() => void) | undefined;
async function* histories(): AsyncGenerator<Item> {
  for (;;) {
    const next = queue.shift();
    if (next) yield next;
    else await new Promise<void>((resolve) => (wake = resolve));
  }
}

const send = (reply: PoolReply) => process.send!(reply);
let outcomes: ReplayOutcome[] = [];
let expected = 0;
let batch = 0;

async function serve(bundleFile: string, captureStackTraces: boolean) {
  if (!captureStackTraces) stopStackTraceCapture();
  const workflowBundle = { code: await readFile(bundleFile, 'utf8') };
  send({ type: 'ready' });
  for await (const result of Worker.runReplayHistories(
    { workflowBundle, replayName: REPLAY_NAME },
    histories(),
  )) {
    outcomes.push(result.error ? { error: describeReplayError(result.error) } : {});
    if (outcomes.length === expected) {
      send({ type: 'done', batch, outcomes });
      outcomes = [];
    }
  }
}

process.on('message', (message: PoolRequest) => {
  if (message.type === 'init') {
    serve(message.bundleFile, message.captureStackTraces).catch((err: unknown) => {
      send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    });
  } else if (message.type === 'replay') {
    batch = message.batch;
    expected = message.histories.length;
    if (expected === 0) return send({ type: 'done', batch, outcomes: [] });
    message.histories.forEach((bytes, i) =>
      queue.push({
        workflowId: message.workflowIds[i]!,
        history: protos.temporal.api.history.v1.History.decode(bytes),
      }),
    );
    wake?.();
  } else process.disconnect();
});
process.on('disconnect', () => process.exit(0));
