/**
 * Scenario 3: the deploy tool fails. In one installation 3 of every 10 calls fail with an exit
 * code the target is told is transient: every promotion must still complete (the deploy
 * activities retry, up to 5 attempts). In another the tool fails every call: each promotion
 * must roll back, with the failure and the rollback recorded as evidence.
 */
import { startDevServer } from '../helpers/temporal.js';
import { checkRuns, demand, tally } from './support/checks.js';
import { Installation, STAGES } from './support/installation.js';
import { runPromotions } from './support/run-promotion.js';
import { toolCalls } from './support/target.js';
import type { ChaosOptions, Scenario } from './types.js';

async function callStats(inst: Installation) {
  const calls = (await Promise.all(STAGES.map((stage) => toolCalls(inst.dir, stage)))).flat();
  return { calls: calls.length, transient: calls.filter((c) => c.exit === 75).length };
}

export const flakyTarget: Scenario = {
  name: 'target failing 30 % / 100 % of calls',
  async run(opts: ChaosOptions) {
    const flakyRuns = opts.reduced ? 2 : 4;
    const downRuns = opts.reduced ? 1 : 2;
    const temporal = await startDevServer({ namespaces: ['flaky', 'down'], logLevel: 'error' });
    const flaky = await Installation.create({
      address: temporal.env.address,
      namespace: 'flaky',
      fault: 'flaky',
    });
    const down = await Installation.create({
      address: temporal.env.address,
      namespace: 'down',
      fault: 'down',
    });
    try {
      flaky.startWorker();
      down.startWorker();
      const [flakyDone, downDone] = await Promise.all([
        runPromotions(flaky, flakyRuns, 'chaos-flaky'),
        runPromotions(down, downRuns, 'chaos-down'),
      ]);
      const checks = [
        ...(await checkRuns(flaky, flakyDone, '30 % failing, promotion', {
          status: 'succeeded',
          records: ['deploy.completed', 'canary.promoted', 'promotion.completed'],
        })),
        ...(await checkRuns(down, downDone, '100 % failing, promotion', {
          status: 'rolled-back',
          outcome: /deploy to dev failed.*registry unreachable/,
          records: ['rollback.completed', 'promotion.rolled-back'],
          operations: ['dev rollback'],
        })),
      ];
      const [flakyStats, downStats] = await Promise.all([callStats(flaky), callStats(down)]);
      // Without injected failures the scenario would prove nothing.
      demand(checks[0]!, flakyStats.transient > 0, 'the deploy tool never failed: no fault was injected');
      demand(
        checks.at(-1)!,
        downStats.transient >= downRuns * 5,
        `only ${downStats.transient} failed calls: each deploy should have failed all 5 attempts`,
      );
      return tally(
        this.name,
        checks,
        `30 %: ${flakyStats.transient} of ${flakyStats.calls} tool calls failed transiently and were retried; ` +
          `100 %: ${downStats.transient} failed calls, every promotion rolled back`,
      );
    } finally {
      await Promise.all([flaky.close(), down.close()]);
      await temporal.teardown();
    }
  },
};
