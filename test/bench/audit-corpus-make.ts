/**
 * Makes promotions of the audit archive's mix (audit-corpus.ts) through the promotion world.
 * Kept apart from audit-corpus.ts because importing the world installs the Temporal runtime,
 * whose native side keeps a process alive that never connects to a server: the benchmark that
 * only replays the recorded archive must not load it.
 */
import { createWorld, testConfig, testRelease } from '../helpers/promotion-world.js';
import { kindOf } from './audit-corpus.js';

type World = Awaited<ReturnType<typeof createWorld>>;

/** Promotions in flight at once while histories are made (set-up, never timed). */
const IN_FLIGHT = 100;

/**
 * One-stage pipelines of the world, without approval gates so nobody has to vote: its dev stage
 * (policy, deploy, promote) and its prod stage (policy, deploy, a 3-step canary with short
 * bakes, promote or roll back).
 */
function corpusConfigs() {
  const [dev, , prod] = testConfig().pipelines[0]!.stages;
  return {
    dev: testConfig({ stages: [dev!] }),
    prod: testConfig({
      stages: [
        {
          ...prod!,
          approval: undefined,
          canary: { ...prod!.canary!, steps: prod!.canary!.steps.map((s) => ({ ...s, bake: '10ms' })) },
        },
      ],
    }),
  };
}

/**
 * Runs promotions number `from` … `to - 1` of the mix through `world` (whose server should fire
 * sub-second timers on time) and returns their ids in that order, once every one is archived.
 */
export async function makeCorpusPromotions(world: World, from: number, to: number): Promise<string[]> {
  const configs = corpusConfigs();
  const ids: string[] = [];
  // world.run waits for every archive workflow before it returns. A steady pool, not batches:
  // a batch waits for its slowest promotion while the server idles.
  let next = from;
  await world.run(() =>
    Promise.all(
      Array.from({ length: Math.min(IN_FLIGHT, to - from) }, async () => {
        for (let i = next++; i < to; i = next++) {
          const kind = kindOf(i);
          const release = testRelease({
            app: `audit-${i}`,
            ...(kind.status === 'rolled-back' ? { labels: { 'test.canary': 'pass,fail' } } : {}),
          });
          const { handle, input } = await world.start(release, {
            config: kind.kind === 'dev' ? configs.dev : configs.prod,
          });
          const result = await handle.result();
          if (result.status !== kind.status)
            throw new Error(`benchmark promotion ${input.promotionId} ${result.status}: ${result.outcome}`);
          ids[i - from] = input.promotionId;
        }
      }),
    ),
  );
  return ids;
}
