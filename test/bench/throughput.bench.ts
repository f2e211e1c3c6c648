/**
 * Promotions at scale, on a real dev server with the real `tollgate worker` process:
 *  - throughput: N concurrent promotions (dev → staging → prod, policy packs that pass — no
 *    human approval gate —, a 3-step canary with short bakes at prod, local targets running a
 *    real process per app version) against a bare workflow doing the same number of no-op
 *    activities, local activities and bake timers on the same server (fixtures/bare-promotion.ts);
 *  - the worker's resident memory, sampled from /proc while the N promotions run;
 *  - the history footprint of one of those promotions, and of a promotion with a 100-step canary.
 *   TOLLGATE_BENCH_PROMOTIONS (default 200)         concurrent promotions
 *   TOLLGATE_BENCH_BAKE (default 2s)                bake of each canary step
 *   TOLLGATE_BENCH_TRAFFIC_RPS (default 5)          built-in traffic per app while its canary bakes
 *   TOLLGATE_BENCH_LONG_CANARY_STEPS (default 100)  steps of the long canary
 *   TOLLGATE_BENCH_APP_COMMAND                      JSON argv of the app ({port} substituted);
 *                                                   default: fixtures/bench-app built with Go
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ORCHESTRATION_TASK_QUEUE } from '../../activities/contracts.js';
import { loadConfig } from '../../src/config/load.js';
import type { TollgateConfig } from '../../src/config/schema.js';
import { Release } from '../../src/domain/release.js';
import { prepareSignedStart } from '../../src/promotion/prepare.js';
import { resolveSigner } from '../../src/cli/identity.js';
import { tollgateHome } from '../../src/paths.js';
import type { promotion } from '../../workflows/promotion.js';
import type { PromotionResult } from '../../workflows/types.js';
import { writeConfig } from '../cli/support.js';
import { startDevServer, type Harness } from '../helpers/temporal.js';
import type { BareActivities, barePromotion } from './fixtures/bare-promotion.js';
import { HISTORY_LIMITS, historyFootprint, type HistoryFootprint } from './history-size.js';
import { phaseClock, ratio, round, timed } from './stats.js';
import type { BenchResult } from './types.js';
import { offerCorpus } from './corpus.js';
import { resultsWithin } from './deadline.js';
import { residentMiB, startWorkerProcess } from './worker-process.js';
import { durationMs } from '../../src/domain/common.js';

const PROMOTIONS = Number(process.env.TOLLGATE_BENCH_PROMOTIONS ?? 200);
const BAKE = process.env.TOLLGATE_BENCH_BAKE ?? '2s';
const TRAFFIC_RPS = Number(process.env.TOLLGATE_BENCH_TRAFFIC_RPS ?? 5);
const LONG_STEPS = Number(process.env.TOLLGATE_BENCH_LONG_CANARY_STEPS ?? 100);
/** The measured promotions took 2–4 minutes here; a run still going after this has a stuck one. */
const MEASURED_DEADLINE_MINUTES = 15;
const benchAppDir = fileURLToPath(new URL('./fixtures/bench-app/', import.meta.url));
const barePath = fileURLToPath(new URL('./fixtures/bare-promotion.ts', import.meta.url));

/** The app's argv: TOLLGATE_BENCH_APP_COMMAND, or the Go fixture built once into .tollgate/bench/. */
async function appCommand(): Promise<string[]> {
  const given = process.env.TOLLGATE_BENCH_APP_COMMAND;
  if (given) {
    const argv = JSON.parse(given) as unknown;
    if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string'))
      throw new Error('TOLLGATE_BENCH_APP_COMMAND must be a JSON array of strings, e.g. ["my-app","{port}"]');
    return argv;
  }
  const binary = path.join(tollgateHome(), 'bench', 'bench-app');
  try {
    await promisify(execFile)('go', ['build', '-o', binary, '.'], { cwd: benchAppDir });
  } catch (err) {
    throw new Error(
      `cannot build the benchmark app with Go (${(err as Error).message.split('\n')[0]}): install Go or set TOLLGATE_BENCH_APP_COMMAND`,
    );
  }
  return [binary, '{port}'];
}

async function benchConfig(dir: string): Promise<TollgateConfig> {
  const target = { type: 'local', command: await appCommand(), trafficRps: TRAFFIC_RPS, startTimeout: '60s' };
  const policy = { packs: ['change-management'] };
  const canary = (steps: { weight: number; bake: string }[], minSamples: number) => ({
    steps,
    thresholds: [{ metric: 'error-rate', max: 0.05 }],
    minSamples,
    onInconclusive: 'rollback',
  });
  const group = { operatorGroups: ['operators'], waiverGroups: ['security'] };
  const file = await writeConfig(dir, [], {
    pipelines: [
      {
        name: 'default',
        ...group,
        stages: [
          { name: 'dev', target, policy },
          { name: 'staging', target, policy },
          {
            name: 'prod',
            target,
            policy,
            canary: canary(
              [25, 50, 100].map((weight) => ({ weight, bake: BAKE })),
              // Half of what a bake brings: each app's first release has no stable version, so
              // its canary gets all the traffic.
              Math.max(1, Math.floor((TRAFFIC_RPS * durationMs(BAKE)) / 2000)),
            ),
          },
        ],
      },
      {
        name: 'long-canary',
        ...group,
        stages: [
          {
            name: 'canary-lab',
            target: { ...target, trafficRps: 200 },
            policy,
            canary: canary(
              Array.from({ length: LONG_STEPS }, (_, i) => ({
                weight: Math.ceil(((i + 1) * 100) / LONG_STEPS),
                bake: '20ms',
              })),
              3,
            ),
          },
        ],
      },
    ],
  });
  return loadConfig(file);
}

const SETUP_NOTE = `Set-up: every promotion is a distinct app through dev → staging → prod; the change-management policy pack passes (no approval gate); prod runs a 3-step canary (25/50/100 %, ${BAKE} bakes) judged by the built-in analysis on ${TRAFFIC_RPS} requests/s of real traffic per app while each bake runs (from its weight change to its analysis); every app version is a real process (fixtures/bench-app, a small Go HTTP server: the Node sample app's ~45 MB each would not fit 200 apps × 3 stages in memory) behind the local target's router; one \`tollgate worker --orchestration --all-stages\` process; file ledger. Baseline: as many bare workflows, each running the same number of no-op activities, no-op local activities and bake timers as one promotion's history.`;

const PROFILE_NOTE =
  "Profile (TOLLGATE_BENCH_WORKER_PROFILE=<dir> runs the worker under node --cpu-prof; every thread gets a profile). First, the local target ran every operation of every app one at a time (one operation queue per target); fixed: one queue per app (50 promotions: 42.1 s → 34.7 s on a busy machine). Then the workflow thread (50 promotions: 30.5 s busy): the sandbox evaluates the workflow bundle's modules once per workflow instance — promotion, three stage locks and an archive per promotion — and 4.4 s of it went to re-evaluating zod (pulled in only for a duration helper) and noble; zod left the bundle and the signature module is shared between workflows (preloadModules): 0.24 s, workflow thread 26.4 s busy, worker RSS 646 → 498 MiB. The rest of the workflow thread is the SDK's own cost per activation and per promise (it captures a source-mapped stack trace for every promise a workflow makes: 8.3 s) and switching workflow globals between activations (3.5 s); a later profile (the audit benchmark's 200-promotion generation) shows the rest of it: every call into the workflow context goes through vm with the SDK's isolateExecutionTimeout, and Node starts a watchdog thread for each such call (62 µs each on a quiet machine, more on a saturated one: 84 ms of the workflow thread per one-stage promotion), and each promise's stack capture compiles a Function to find its workflow. The main thread (41 s busy) spreads its time over spawning the app processes (ChildProcess.spawn 3.5 s, 3 per app), the core bridge and the hand-off to the workflow thread, the ledger's locked, fsynced appends, the routers and the traffic generator, the policy engine and the archive; the dev server takes most of the other core. The two cores are saturated throughout, so the wall time follows the total CPU of work the bare workflows do not do, and the ratio grows with the number of promotions (on this machine, between runs: 10: 1.1, 50: 2.4–3.2, 200: 2.5–4.3). Stage locks: a stage whose lock is not running is now granted by starting the lock with the promotion as holder, the request's reply, which spares the lock a workflow task and a signal and the promotion a workflow task per stage (history 160 → 150 events; 200 one-stage audit promotions: 59 → 43–53 s made; removing the locks altogether, as an experiment, gave 48 s); the 200-promotion run moved within the host's noise. A later main-thread profile (50 promotions) puts ChildProcess.spawn first (3.9 s of 45 s busy); I first took that for waiting on the saturated cores, but it is the fork: Node starts a child with fork + exec, the fork copies the page tables of the whole worker while its event loop waits, and that grows with the worker's memory (one spawn: 1.5 ms from a 44 MiB process, 35 ms at 450 MiB, 60 ms at 850 MiB, the worker's size under 200 promotions). App versions are now started by a small launcher process forked once (src/targets/local/launcher.ts), which reports their pids and exits. A single-partition task queue and a file-backed SQLite with WAL for the dev server were tried and gave no gain beyond the noise. The dev server's own metrics (service_requests by operation; 20 promotions against the 20 bare workflows) give the server side: 27 workflow tasks per promotion against 17 (three stage locks and the archive are workflows of their own), 15 activities against 14, a query of the release line, 5 workflow starts, 3 signals, 1 history fetch, and 10 activity heartbeats against none: every target operation heartbeated as it began; they now heartbeat only once the 10 s interval has passed, which operations this short never reach. The ledger's lock built (and deep-copied) a schedule of 2,000 retries on every append (0.4 ms each); now 600, still longer than the stale limit. Neither moved the 200-promotion wall time beyond the host's noise. Closing the local target stopped its apps one after another (worker stop: 5.6 s for 200 apps), now side by side (0.8 s). A main-thread profile at 200 promotions (not 50) then showed what grows faster than the number of promotions: HTTP, most of it the built-in traffic generator and the router forwarding its requests (socket writes alone 36 s of about 320 s busy, against 1.7 s at 50). The generator ran from a canary's deploy until its promotion, and under load a canary spends far longer between its steps than in its 2 s bakes, so most of that traffic was never analysed; it now rests from a bake's analysis until the next weight change. 200 promotions, back to back on a slow spell of the host: 242.9 s against a 63.8 s baseline (ratio 3.81) with the launcher alone, 210.1 s against 79.1 s (2.66) with the resting generator too, every promotion succeeded. Two writes that grew with the number of apps were cut as well: serving.json is rewritten whole after every operation, and a write that has not begun now serves every operation that asks meanwhile; the operation log looked a key up by scanning every operation it ever recorded, now by map.";

function release(app: string): Release {
  return Release.parse({
    apiVersion: 'tollgate.dev/v1',
    kind: 'Release',
    app,
    version: '1.0.0',
    artifacts: [{ name: 'app', ref: `registry.example/${app}:1.0.0`, digest: `sha256:${'c'.repeat(64)}` }],
    requester: 'rita',
    change: { description: 'benchmark release of the app', ticket: 'BENCH-1' },
    commitAuthors: ['dave'],
  });
}

async function promote(temporal: Harness, config: TollgateConfig, app: string, pipeline?: string) {
  // The requester signs each start with the key writeConfig wrote next to the config.
  const signer = await resolveSigner(config, { as: 'rita', key: path.join(benchDir, 'rita.pem') });
  const input = prepareSignedStart(config, release(app), signer, { pipeline: pipeline ?? 'default' });
  return temporal.env.client.workflow.start<typeof promotion>('promotion', {
    taskQueue: ORCHESTRATION_TASK_QUEUE,
    workflowId: input.promotionId,
    args: [input.start],
  });
}

let benchDir = '';

function statusCounts(results: PromotionResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

async function bareRun(temporal: Harness, plan: HistoryFootprint, bakesMs: number[]): Promise<number> {
  const activities: BareActivities = { noop: () => Promise.resolve() };
  return temporal.withWorker({ workflowsPath: barePath, activities }, async (taskQueue) => {
    const { seconds } = await timed(async () => {
      const handles = await Promise.all(
        Array.from({ length: PROMOTIONS }, (_, i) =>
          temporal.env.client.workflow.start<typeof barePromotion>('barePromotion', {
            taskQueue,
            workflowId: `${taskQueue}-${i}`,
            args: [{ activities: plan.activities, localActivities: plan.localActivities, bakesMs }],
          }),
        ),
      );
      await Promise.all(handles.map((h) => h.result()));
    });
    return seconds;
  });
}

function footprintResults(label: string, f: HistoryFootprint, targets?: { events: number; bytes: number }) {
  const limit = (n: number, of: number) => `${round((100 * n) / of, 2)} % of Temporal's limit`;
  return [
    {
      name: `history events of ${label}`,
      unit: 'events',
      value: f.events,
      target: { of: 'value' as const, max: targets?.events ?? HISTORY_LIMITS.events },
      details: { ...f, limit: limit(f.events, HISTORY_LIMITS.events) },
    },
    {
      name: `history size of ${label}`,
      unit: 'KiB',
      value: round(f.bytes / 1024, 1),
      target: { of: 'value' as const, max: (targets?.bytes ?? HISTORY_LIMITS.bytes) / 1024 },
      details: { bytes: f.bytes, encoding: 'protobuf', limit: limit(f.bytes, HISTORY_LIMITS.bytes) },
    },
  ];
}

export async function run(): Promise<BenchResult[]> {
  const phases = phaseClock();
  let handedOver: { ledgerDir: string; promotionIds: string[] } | undefined;
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-bench-throughput-'));
  benchDir = dir;
  // The long canary bakes 20 ms a step; the measured run's 2 s bakes are not affected. Its 100
  // steps are one after another, so every step waited for the server's queue limiter as well.
  const temporal = await startDevServer({ subSecondTimers: true, unthrottledQueues: true });
  try {
    const config = await benchConfig(dir);
    const configFile = path.join(dir, 'tollgate.yaml');
    const worker = await startWorkerProcess(
      ['--config', configFile, 'worker', '--orchestration', '--all-stages'],
      { TEMPORAL_ADDRESS: temporal.env.address, TEMPORAL_NAMESPACE: 'default' },
    );
    phases.mark('server, app build and worker start');
    let promotions: { results: PromotionResult[]; seconds: number; footprint: HistoryFootprint };
    let long: HistoryFootprint;
    let idleMiB: number;
    try {
      // One promotion first, so bundling and first-use costs stay out of the timed run. The long
      // canary runs beside it: only its history is measured, not its time, and nothing else is
      // being timed yet.
      const longHandle = await promote(temporal, config, 'bench-long-canary', 'long-canary');
      const [, longResult] = await Promise.all([
        (await promote(temporal, config, 'bench-warmup')).result(),
        longHandle.result(),
      ]);
      if (longResult.status !== 'succeeded')
        throw new Error(
          `the ${LONG_STEPS}-step canary promotion ${longResult.status}: ${longResult.outcome}`,
        );
      long = historyFootprint(await longHandle.fetchHistory());
      phases.mark('warm-up promotion and long canary');
      idleMiB = (await residentMiB(worker.pid)) ?? 0;
      worker.startSampling();
      const run = await timed(async () => {
        const handles = await Promise.all(
          Array.from({ length: PROMOTIONS }, (_, i) => promote(temporal, config, `bench-${i}`)),
        );
        return { handles, results: await resultsWithin(handles, MEASURED_DEADLINE_MINUTES) };
      });
      worker.stopSampling();
      phases.mark('measured promotions');
      promotions = {
        results: run.result.results,
        seconds: run.seconds,
        footprint: historyFootprint(await run.result.handles[0]!.fetchHistory()),
      };
      // Their archives (each written by the promotion's archive workflow) are left to the audit
      // benchmark of the same run, which replays them among its 1,000 histories.
      await Promise.all(
        run.result.handles.map((h) =>
          temporal.env.client.workflow.getHandle(`${h.workflowId}-archive`).result(),
        ),
      );
      handedOver = {
        ledgerDir: path.join(dir, 'ledger'),
        promotionIds: run.result.handles.map((h) => h.workflowId),
      };
      phases.mark('archives');
    } finally {
      await worker.stop();
    }
    phases.mark('worker stop');

    const bakesMs = [0, 1, 2].map(() => durationMs(BAKE));
    const bare = await bareRun(temporal, promotions.footprint, bakesMs);
    phases.mark('baseline (with its worker)');
    const rss = worker.rss();
    const outcomes = statusCounts(promotions.results);
    return [
      {
        name: `throughput: ${PROMOTIONS} concurrent promotions, wall time`,
        unit: 's',
        value: round(promotions.seconds, 1),
        baseline: round(bare, 1),
        ratio: ratio(promotions.seconds, bare),
        target: { of: 'ratio', max: 1.3 },
        note: `${SETUP_NOTE} ${PROFILE_NOTE}`,
        details: {
          outcomes,
          perPromotion: promotions.footprint,
          baselineBakesMs: bakesMs,
          phaseSeconds: phases.seconds,
        },
      },
      {
        name: `worker RSS under ${PROMOTIONS} concurrent promotions (peak, sampled every 250 ms)`,
        unit: 'MiB',
        value: rss.peakMiB,
        details: {
          idleAfterWarmupMiB: Math.round(idleMiB),
          samples: rss.samples,
          process: 'tollgate worker --orchestration --all-stages (app versions are separate processes)',
        },
      },
      ...footprintResults('a 3-stage promotion with a 3-step canary', promotions.footprint, {
        events: 250,
        bytes: 256 * 1024,
      }),
      ...footprintResults(`a promotion with a ${LONG_STEPS}-step canary`, long),
    ];
  } finally {
    await temporal.teardown();
    if (handedOver)
      await offerCorpus({ ...handedOver, dispose: () => rm(dir, { recursive: true, force: true }) });
    else await rm(dir, { recursive: true, force: true });
  }
}
