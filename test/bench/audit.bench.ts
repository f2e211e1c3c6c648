/**
 * Audit benchmark: `audit replay` (replay against the current workflow code + cross-check of
 * every evidence marker with the ledger) and `audit verify` (every chain and archive) over N
 * archived promotion histories, against bare SDK replay (`Worker.runReplayHistories` with its
 * defaults) of the same histories with the same bundle in as many replay processes of its own.
 * The archives replayed:
 *  - the throughput benchmark's 200 promotions of the same run (three stages, the real worker
 *    and local targets; handed over through corpus.ts), made by this very code;
 *  - the rest from the recorded archive of one-stage promotions (audit-corpus.ts), written by the
 *    code of the commit in its manifest — as an auditor's archive is written by past releases.
 *   TOLLGATE_BENCH_HISTORIES (default 1000)  histories replayed
 *   TOLLGATE_BENCH_MAKE_HISTORIES=1          make the rest here (about 200 s for 800) instead of
 *                                            replaying the recorded archive
 *   TOLLGATE_BENCH_REPLAY_JOBS (default: the machine's cores)  replay processes, both sides
 */
import { availableParallelism } from 'node:os';
import {
  historiesFromArchive,
  replayHistories,
  type HistorySource,
  type ReplayReport,
} from '../../src/audit/replay.js';
import { startReplayPool, type ReplayPool } from '../../src/audit/replay-pool.js';
import { verifyLedger, type LedgerVerification } from '../../src/audit/verify.js';
import { createLedger } from '../../src/ledger/create.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createLogger } from '../../src/logging/logger.js';
import { workflowBundle as tollgateBundle } from '../../src/temporal/workflow-bundle.js';
import { MIX_NOTE, openRecordedCorpus, type CorpusManifest } from './audit-corpus.js';
import { phaseClock, ratio, round, timed } from './stats.js';
import type { BenchResult } from './types.js';
import { takeCorpus } from './corpus.js';

const HISTORIES = Number(process.env.TOLLGATE_BENCH_HISTORIES ?? 1000);
const MAKE = process.env.TOLLGATE_BENCH_MAKE_HISTORIES === '1';
/** Histories per block of the interleaved replay. */
const BLOCK = 100;
const JOBS = Number(process.env.TOLLGATE_BENCH_REPLAY_JOBS ?? availableParallelism());

/** An archived history, whose promotion it is, and the ledger holding that promotion's evidence. */
type Archived = HistorySource & { promotionId: string; ledger: Ledger };

/**
 * `tollgate audit replay` of `items`: the replay and the cross-check of each history's evidence
 * against its own ledger (two archives, two ledgers).
 */
async function auditReplay(items: Archived[], pool: ReplayPool): Promise<ReplayReport[]> {
  const reports: ReplayReport[] = [];
  for (const ledger of new Set(items.map((i) => i.ledger)))
    reports.push(
      await replayHistories(
        items.filter((i) => i.ledger === ledger),
        { pool, ledger },
      ),
    );
  return reports;
}

/** What the benchmark replays, and where it came from. */
interface Archive {
  histories: Archived[];
  fromThroughputBench: number;
  recorded?: { promotions: number; manifest: CorpusManifest };
  made?: { promotions: number; seconds: number };
}

/**
 * The throughput benchmark's promotions, then the recorded archive (or, with MAKE, none of it),
 * then as many made here as are still missing. `cleanups` collects what to remove afterwards.
 */
async function gatherArchive(cleanups: (() => Promise<unknown>)[]): Promise<Archive> {
  const logger = createLogger({ level: 'error', pretty: false });
  const archive: Archive = { histories: [], fromThroughputBench: 0 };
  const missing = () => HISTORIES - archive.histories.length;
  const take = async (ledger: Ledger, promotionIds: string[]) => {
    for (const promotionId of promotionIds)
      for (const source of await historiesFromArchive(ledger, promotionId))
        archive.histories.push({ ...source, promotionId, ledger });
    return promotionIds.length;
  };

  const handedOver = takeCorpus();
  if (handedOver) {
    cleanups.push(() => handedOver.dispose());
    const ledger = await createLedger({ type: 'file', path: handedOver.ledgerDir }, { logger });
    cleanups.push(() => ledger.close());
    archive.fromThroughputBench = await take(ledger, handedOver.promotionIds.slice(0, HISTORIES));
  }
  if (!MAKE && missing() > 0) {
    const corpus = await openRecordedCorpus();
    cleanups.push(() => corpus.dispose());
    const ids = corpus.manifest.promotionIds.slice(0, missing());
    archive.recorded = { promotions: await take(corpus.ledger, ids), manifest: corpus.manifest };
  }
  if (missing() > 0) {
    // Loaded only here: the Temporal runtime these install would keep a replay-only run alive.
    const { startDevServer } = await import('../helpers/temporal.js');
    const { createWorld } = await import('../helpers/promotion-world.js');
    const { makeCorpusPromotions } = await import('./audit-corpus-make.js');
    // The histories' 10 ms bakes fire on time instead of after the server's 1 s minimum.
    const temporal = await startDevServer({ subSecondTimers: true });
    cleanups.push(() => temporal.teardown());
    const world = await createWorld(temporal);
    cleanups.push(() => world.ledger.close());
    // Continue the mix where the recording stopped.
    const from = archive.recorded?.promotions ?? 0;
    const made = await timed(() => makeCorpusPromotions(world, from, from + missing()));
    archive.made = { promotions: await take(world.ledger, made.result), seconds: made.seconds };
  }
  return archive;
}

export async function run(): Promise<BenchResult[]> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const phases = phaseClock();
  try {
    // Two pools of replay processes, both started (and warmed up on two histories) before either
    // side is timed: the bare side is the SDK's replay as it comes (`captureStackTraces`), the
    // audit side is `replayHistories`' pool — the same replay without the stack capture no replay
    // uses (src/audit/replay-stack-traces.ts) — plus reading the evidence, the cross-check and
    // the verification. They start while this process reads the archives; neither is timed.
    const pools = tollgateBundle().then((workflowBundle) =>
      Promise.all([
        startReplayPool(workflowBundle, JOBS, { captureStackTraces: true }),
        startReplayPool(workflowBundle, JOBS),
      ]),
    );
    // Closed with everything else at the end: idle, they cost the timed verification nothing.
    cleanups.push(async () => {
      for (const started of (await pools.catch(() => undefined)) ?? []) await started.close();
    });
    const archive = await gatherArchive(cleanups);
    const sources = archive.histories;
    const histories = sources.map((s) => ({ workflowId: s.promotionId, history: s.history }));
    const [barePool, pool] = await pools;
    phases.mark('histories read from the archives, bundle and replay processes');
    let bareSeconds = 0;
    let auditSeconds = 0;
    const replays: ReplayReport[] = [];
    if ((await barePool.replay(histories.slice(0, 2))).some((o) => o.error))
      throw new Error('warm-up replay failed');
    await auditReplay(sources.slice(0, 2), pool);

    // Both sides replay every history once, block by block, alternating which side goes first
    // (bare–audit, audit–bare, …): a single pass each favoured whichever ran second or met a
    // busier moment of a shared machine (60 histories: audit 0.58× bare; 1,000: 1.59×), and two
    // full passes each cost the budget of the whole benchmark run.
    for (let from = 0, block = 0; from < sources.length; from += BLOCK, block++) {
      const bare = async () => {
        const run = await timed(() => barePool.replay(histories.slice(from, from + BLOCK)));
        const failed = run.result.find((o) => o.error);
        if (failed) throw new Error(`bare replay failed: ${failed.error}`);
        bareSeconds += run.seconds;
      };
      const audit = async () => {
        const run = await timed(() => auditReplay(sources.slice(from, from + BLOCK), pool));
        auditSeconds += run.seconds;
        replays.push(...run.result);
      };
      for (const side of block % 2 === 0 ? [bare, audit] : [audit, bare]) await side();
    }
    phases.mark('replays, both sides');
    const verify = await timed(async () => {
      const results: LedgerVerification[] = [];
      for (const ledger of new Set(sources.map((s) => s.ledger))) results.push(await verifyLedger(ledger));
      return results;
    });
    auditSeconds += verify.seconds;
    phases.mark('verify');
    const failed = replays.flatMap((r) => r.histories).find((h) => !h.deterministic);
    if (failed)
      throw new Error(
        `${failed.source} does not replay on the current workflow code (${failed.error}): a change to the promotion workflow is not guarded with patched()`,
      );
    if (!replays.every((r) => r.ok) || !verify.result.every((v) => v.ok))
      throw new Error('benchmark histories did not cross-check and verify cleanly');
    const recorded = archive.recorded;

    return [
      {
        note: `Histories: the throughput benchmark's ${archive.fromThroughputBench} promotions of the same run (dev → staging → prod with a 3-step canary, the real worker and local targets; their archives are handed over, test/bench/corpus.ts)${recorded ? `, and ${recorded.promotions} from the recorded archive of real one-stage promotions (test/bench/audit-corpus.ts; made by commit ${recorded.manifest.commit.slice(0, 7)} on ${recorded.manifest.recordedAt.slice(0, 10)}, replayed against today's code as an auditor replays the archive of past releases)` : ''}${archive.made ? `, and ${archive.made.promotions} made here as real one-stage promotions in ${round(archive.made.seconds)} s` : ''}; the one-stage mix: ${MIX_NOTE}: policy, deploy, promote, a 3-step canary at prod with 10 ms bakes, through the promotion world's recording stage activities, all with the real file ledger and archived by the real archive workflow. Recorded, not made in the run, because making 800 took about 200 s of the 10-minute budget (TOLLGATE_BENCH_MAKE_HISTORIES=1 makes them). Each side replays in a pool of replay processes of its own (one per core; src/audit/replay-pool.ts, what \`replayHistories\` uses with \`jobs\`), both started before either side is timed: the SDK replays one history at a time on one thread, so a single process used one of the two cores (1,000 histories: 76 s per side in one process); a third process gave nothing more on two cores. The replay processes turn source maps off: run from the sources, tsx turns them on, and Node then scanned every Function the sandbox compiles per promise for a source-map comment (200 recorded histories in one process: 113 → 89 ms each, as fast as the compiled code; bare side of the 1,000: 58–72 s → 60 s on a slower spell of the host). Profile (node --cpu-prof): what the audit adds to the SDK replay — reading evidence out of the markers, the cross-check against the ledger and verifying every chain and archive — is a few per cent; the rest was the SDK's replay, and most of that the sandbox's per-promise stack capture (a Function compiled and an Error captured for every promise, kept for the live \`__stack_trace\` query) and a watchdog thread started for every call into the workflow context (vm's timeout option). A replay answers no query, so \`replayHistories\` now stops that stack capture (src/audit/replay-stack-traces.ts): 200 recorded histories in one process, 102–120 → 38–48 ms each; 400 in the two-process pools, 16.3–18.1 s with it → 10.1–11.4 s without. The baseline keeps it, as \`Worker.runReplayHistories\` does out of the box, so a ratio below 1 is that saving less what the audit adds (the cross-check and the verification: \`verifySeconds\` in the details). What is left of a replay is mostly the watchdog (runInContext: 30 % of a replay's profile). Each history is replayed once by each side, in blocks of 100 that alternate which side goes first: a single pass each favoured whichever side ran second (ratios from 0.58 to 1.59 between runs).`,
        name: `audit: replay + cross-check + verify of ${sources.length} archived promotion histories`,
        unit: 's',
        value: round(auditSeconds),
        baseline: round(bareSeconds),
        ratio: ratio(auditSeconds, bareSeconds),
        target: { of: 'ratio', max: 1.2 },
        details: {
          baseline: `Worker.runReplayHistories of the same histories with its defaults, same bundle, in ${JOBS} replay processes of its own`,
          replayProcesses: JOBS,
          events: sources.reduce((n, s) => n + (s.history.events?.length ?? 0), 0),
          records: replays.reduce((n, r) => n + (r.crossChecks ?? []).reduce((m, c) => m + c.matched, 0), 0),
          chains: verify.result.reduce((n, v) => n + v.chains.length, 0),
          fromThroughputBench: archive.fromThroughputBench,
          ...(recorded
            ? {
                recorded: recorded.promotions,
                recordedBy: recorded.manifest.commit,
                recordedAt: recorded.manifest.recordedAt,
              }
            : {}),
          ...(archive.made
            ? { made: archive.made.promotions, madeInSeconds: round(archive.made.seconds, 1) }
            : {}),
          passes: `one each, in blocks of ${BLOCK}, alternating which side goes first`,
          verifySeconds: round(verify.seconds),
          phaseSeconds: phases.seconds,
        },
      },
    ];
  } finally {
    // In reverse order of set-up, so every ledger closes before its directory is removed.
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}
