/**
 * Audit benchmark: replay + ledger cross-check + verify of N archived histories, against bare
 * SDK replay (`Worker.runReplayHistories`) of the same histories with the same bundle.
 *   TOLLGATE_BENCH_HISTORIES (default 25; 1000 for the full run)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { createEvidenceActivities } from '../../activities/evidence.js';
import {
  historiesFromArchive,
  replayBundle,
  replayHistories,
  type HistorySource,
} from '../../src/audit/replay.js';
import { verifyLedger } from '../../src/audit/verify.js';
import { createLedger } from '../../src/ledger/create.js';
import { createLogger } from '../../src/logging/logger.js';
import { startDevServer } from '../helpers/temporal.js';
import type { evidenceSmokeWorkflow } from '../fixtures/workflows/evidence-smoke.js';
import type { BenchResult } from './types.js';

const HISTORIES = Number(process.env.TOLLGATE_BENCH_HISTORIES ?? 25);
const fixture = fileURLToPath(new URL('../fixtures/workflows/evidence-smoke.ts', import.meta.url));
const logger = createLogger({ level: 'error', pretty: false });

export async function run(): Promise<BenchResult[]> {
  const root = await mkdtemp(path.join(tmpdir(), 'tollgate-bench-audit-'));
  const temporal = await startDevServer();
  const ledger = await createLedger({ type: 'file', path: root }, { logger });
  try {
    const activities = createEvidenceActivities({ ledger, logger, client: temporal.env.client });
    const ids = Array.from({ length: HISTORIES }, (_, i) => `bench-${i}`);
    await temporal.withWorker(
      { workflowsPath: fixture, activities, maxConcurrentWorkflowTaskExecutions: 20 },
      async (taskQueue) => {
        for (let i = 0; i < ids.length; i += 50) {
          await Promise.all(
            ids.slice(i, i + 50).map(async (promotionId) => {
              const handle = await temporal.env.client.workflow.start<typeof evidenceSmokeWorkflow>(
                'evidenceSmokeWorkflow',
                {
                  taskQueue,
                  workflowId: `promotion-${promotionId}`,
                  args: [promotionId, ['dev', 'staging', 'prod']],
                },
              );
              await handle.result();
              await activities.archiveHistory({
                promotionId,
                workflowId: handle.workflowId,
                runId: handle.firstExecutionRunId,
              });
            }),
          );
        }
      },
    );

    const workflowBundle = await replayBundle(fixture);
    const sources: HistorySource[] = [];
    for (const id of ids) sources.push(...(await historiesFromArchive(ledger, id)));

    const histories = sources.map((s, i) => ({ workflowId: `promotion-${ids[i]}`, history: s.history }));
    // Warm both paths up (bundle load, native runtime) so neither pays it inside its timing.
    for await (const result of Worker.runReplayHistories({ workflowBundle }, histories.slice(0, 2)))
      if (result.error) throw result.error;
    await replayHistories(sources.slice(0, 2), { workflowBundle, ledger });

    let started = performance.now();
    for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
      if (result.error) throw result.error;
    }
    const bare = (performance.now() - started) / 1000;

    started = performance.now();
    const replay = await replayHistories(sources, { workflowBundle, ledger });
    const verified = await verifyLedger(ledger);
    const ours = (performance.now() - started) / 1000;
    if (!replay.ok || !verified.ok) throw new Error('benchmark histories did not replay and verify cleanly');

    return [
      {
        name: `audit replay + cross-check + verify of ${HISTORIES} archived histories`,
        unit: 's',
        value: Number(ours.toFixed(2)),
        baseline: Number(bare.toFixed(2)),
        ratio: Number((ours / bare).toFixed(2)),
        details: {
          baseline: 'Worker.runReplayHistories of the same histories',
          records: replay.crossChecks?.reduce((n, c) => n + c.matched, 0),
        },
      },
    ];
  } finally {
    await ledger.close();
    await temporal.teardown();
    await rm(root, { recursive: true, force: true });
  }
}
