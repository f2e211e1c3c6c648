/**
 * Audit benchmark: `audit replay` (replay against the current workflow code + cross-check of
 * every evidence marker with the ledger) and `audit verify` (every chain and archive) over N
 * archived promotion histories, against bare SDK replay (`Worker.runReplayHistories`) of the
 * same histories with the same bundle. The histories are real `promotion` runs (a prod stage with
 * policy, deploy and a 3-step canary; evidence in the real file ledger; archived by the real
 * archive workflow); the stage activities are the promotion world's recording ones, and there is
 * one stage, which keeps making 1,000 of them within the bench's time budget.
 *   TOLLGATE_BENCH_HISTORIES (default 1000)  promotions made, archived and replayed
 */
import { Worker } from '@temporalio/worker';
import {
  historiesFromArchive,
  replayBundle,
  replayHistories,
  type HistorySource,
} from '../../src/audit/replay.js';
import { verifyLedger } from '../../src/audit/verify.js';
import { createWorld, testConfig, testRelease } from '../helpers/promotion-world.js';
import { startDevServer } from '../helpers/temporal.js';
import { ratio, round, timed } from './stats.js';
import type { BenchResult } from './types.js';

const HISTORIES = Number(process.env.TOLLGATE_BENCH_HISTORIES ?? 1000);
/** Promotions in flight at once while the histories are made (setup, not measured). */
const IN_FLIGHT = 100;

/**
 * The world's prod stage alone (policy, deploy, 3-step canary, promote), without its approval
 * gate and with short bakes: a whole promotion, small enough that 1,000 are made in minutes.
 */
function auditConfig() {
  const prod = testConfig().pipelines[0]!.stages.find((s) => s.name === 'prod')!;
  return testConfig({
    stages: [
      {
        ...prod,
        approval: undefined,
        canary: { ...prod.canary!, steps: prod.canary!.steps.map((s) => ({ ...s, bake: '10ms' })) },
      },
    ],
  });
}

export async function run(): Promise<BenchResult[]> {
  const temporal = await startDevServer();
  const world = await createWorld(temporal);
  const config = auditConfig();
  try {
    const promotionIds: string[] = [];
    // world.run waits for every archive workflow before it returns.
    const made = await timed(() =>
      world.run(async () => {
        for (let i = 0; i < HISTORIES; i += IN_FLIGHT) {
          await Promise.all(
            Array.from({ length: Math.min(IN_FLIGHT, HISTORIES - i) }, async (_, j) => {
              const { handle, input } = await world.start(testRelease({ app: `audit-${i + j}` }), {
                config,
              });
              const result = await handle.result();
              if (result.status !== 'succeeded')
                throw new Error(
                  `benchmark promotion ${input.promotionId} ${result.status}: ${result.outcome}`,
                );
              promotionIds.push(input.promotionId);
            }),
          );
        }
      }),
    );

    const workflowBundle = await replayBundle();
    const sources: HistorySource[] = [];
    for (const id of promotionIds) sources.push(...(await historiesFromArchive(world.ledger, id)));
    const histories = sources.map((s, i) => ({ workflowId: promotionIds[i]!, history: s.history }));
    // Warm both paths up (bundle load, native runtime) so neither pays it inside its timing.
    for await (const result of Worker.runReplayHistories({ workflowBundle }, histories.slice(0, 2)))
      if (result.error) throw result.error;
    await replayHistories(sources.slice(0, 2), { workflowBundle, ledger: world.ledger });

    const bareReplay = () =>
      timed(async () => {
        for await (const result of Worker.runReplayHistories({ workflowBundle }, histories))
          if (result.error) throw result.error;
      });
    const audit = () =>
      timed(async () => ({
        replay: await replayHistories(sources, { workflowBundle, ledger: world.ledger }),
        verified: await verifyLedger(world.ledger),
      }));
    // Each side twice, in the order bare, audit, audit, bare, and the faster of each pair: a
    // single pass favoured whichever ran second (60 histories: audit 0.58× bare) or met a busier
    // moment of a shared machine (1,000: 1.59×).
    const bareFirst = await bareReplay();
    const ours = await audit();
    const oursAgain = await audit();
    const bareAgain = await bareReplay();
    const bare = { seconds: Math.min(bareFirst.seconds, bareAgain.seconds) };
    ours.seconds = Math.min(ours.seconds, oursAgain.seconds);
    const { replay, verified } = ours.result;
    if (!replay.ok || !verified.ok)
      throw new Error('benchmark histories did not replay, cross-check and verify cleanly');

    return [
      {
        note: "Histories: real one-stage promotions (policy, deploy, 3-step canary with 10 ms bakes, promote; the promotion world's recording stage activities, real file ledger, archived by the real archive workflow). Three-stage histories would triple the bench's set-up time; the ratio compares the two replays of the same histories either way. Profile (node --cpu-prof, 60 histories): what the audit adds to the SDK replay — reading evidence out of the markers (35 ms), the cross-check against the ledger (6 ms) and verifying every chain and archive (34 ms) — is under 2 % of the time; the rest is the SDK's replay, the same call on both sides. Yet the ratio swung from 0.58 (60 histories) to 1.44 (30) and 1.59 (1,000) between runs on this shared machine: the gap is not the audit's own work on the profiled thread, and where it comes from (the replay worker's native and workflow threads are outside that profile) is still open.",
        name: `audit: replay + cross-check + verify of ${sources.length} archived promotion histories`,
        unit: 's',
        value: round(ours.seconds),
        baseline: round(bare.seconds),
        ratio: ratio(ours.seconds, bare.seconds),
        target: { of: 'ratio', max: 1.2 },
        details: {
          baseline: 'Worker.runReplayHistories of the same histories, same bundle',
          events: sources.reduce((n, s) => n + (s.history.events?.length ?? 0), 0),
          records: replay.crossChecks?.reduce((n, c) => n + c.matched, 0),
          chains: verified.chains.length,
          madeInSeconds: round(made.seconds, 1),
          passes: 'bare, audit, audit, bare; the faster of each pair',
        },
      },
    ];
  } finally {
    await world.ledger.close();
    await temporal.teardown();
  }
}
