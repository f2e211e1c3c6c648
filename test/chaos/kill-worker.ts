/**
 * Scenario 1: the worker process is killed with SIGKILL at a step boundary of a promotion —
 * policy, each vote, deploy, each canary step and decision, promote, rollback, evidence appends —
 * and restarted. Every run must end as an undisturbed run of the same release ends, with the same
 * evidence and target operations, none lost or repeated.
 *
 * Each kill point is its own installation (namespace, worker process, ledger, target) on one
 * shared dev server, several at once: a kill inside a running deploy activity costs its 1 minute
 * heartbeat timeout before Temporal retries it elsewhere.
 */
import { startDevServer } from '../helpers/temporal.js';
import { testRelease } from '../helpers/promotion-world.js';
import { checkRun, tally, type RunCheck } from './support/checks.js';
import { Installation, STAGES } from './support/installation.js';
import { toolCalls } from './support/target.js';
import type { Progress } from './support/progress.js';
import { progressOf, waitUntil } from './support/progress.js';
import { runPromotion, type PromotionRun } from './support/run-promotion.js';
import type { ChaosOptions, Scenario } from './types.js';

const RELEASES = {
  healthy: testRelease({ version: '1.4.2' }),
  // The deploy tool crash-loops this version from 50 % canary traffic: prod rolls back.
  broken: testRelease({ version: '1.5.0-broken' }),
};
type ReleaseName = keyof typeof RELEASES;
const EXPECTED_STATUS = { healthy: 'succeeded', broken: 'rolled-back' } as const;

interface KillPoint {
  name: string;
  release: ReleaseName;
  reached: (p: Progress) => boolean;
  /** Part of the reduced (CI) set. */
  reduced?: boolean;
}

const hasRecord = (p: Progress, type: string) => p.records.some((r) => r.type === type);

const KILL_POINTS: KillPoint[] = [
  { name: 'policy (dev)', release: 'healthy', reached: (p) => p.scheduled('evaluatePolicy') >= 1 },
  { name: 'deploy (dev) started', release: 'healthy', reached: (p) => p.scheduled('deploy') >= 1 },
  { name: 'deploy (dev) done', release: 'healthy', reached: (p) => p.completed('deploy') >= 1 },
  { name: 'policy (prod) done', release: 'healthy', reached: (p) => p.completed('evaluatePolicy') >= 2 },
  { name: 'vote 1', release: 'healthy', reached: (p) => p.updates >= 1, reduced: true },
  { name: 'vote 2', release: 'healthy', reached: (p) => p.updates >= 2 },
  { name: 'deploy (prod)', release: 'healthy', reached: (p) => p.scheduled('deploy') >= 2, reduced: true },
  ...[1, 2, 3].map((step) => ({
    name: `canary step ${step}`,
    release: 'healthy' as const,
    reached: (p: Progress) => p.scheduled('setCanaryWeight') >= step,
    reduced: step === 2,
  })),
  { name: 'canary decision 1', release: 'healthy', reached: (p) => p.updates >= 3 },
  { name: 'canary promote', release: 'healthy', reached: (p) => p.scheduled('promoteCanary') >= 1 },
  {
    name: 'evidence append (approval.granted)',
    release: 'healthy',
    reached: (p) => hasRecord(p, 'approval.granted'),
    reduced: true,
  },
  {
    name: 'evidence append (promotion.completed)',
    release: 'healthy',
    reached: (p) => hasRecord(p, 'promotion.completed'),
  },
  { name: 'failing canary step', release: 'broken', reached: (p) => p.scheduled('setCanaryWeight') >= 2 },
  { name: 'rollback', release: 'broken', reached: (p) => p.scheduled('rollback') >= 1, reduced: true },
  {
    name: 'evidence append (rollback.completed)',
    release: 'broken',
    reached: (p) => hasRecord(p, 'rollback.completed'),
  },
];

/** Keys the deploy tool completed more than once (outside the target's own operation log). */
async function repeatedToolCalls(inst: Installation): Promise<number> {
  const calls = (await Promise.all(STAGES.map((stage) => toolCalls(inst.dir, stage)))).flat();
  const done = calls.filter((c) => c.exit === 0).map((c) => c.key);
  return done.length - new Set(done).size;
}

/**
 * Kill points running at once. Each holds a worker process; on two cores more than this made the
 * promotions so slow that the workers, not the kills, set the pace.
 */
const LANES = 7;

/** Runs `fn` over `items`, at most `lanes` at a time, results in item order. */
async function inLanes<T, R>(
  items: T[],
  lanes: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
  return results;
}

interface Run {
  name: string;
  release: ReleaseName;
  inst: Installation;
  outcome: PromotionRun;
}

async function killAt(
  inst: Installation,
  name: string,
  release: ReleaseName,
  point?: KillPoint,
): Promise<Run> {
  inst.startWorker();
  const outcome = await runPromotion(inst, RELEASES[release], `chaos-${inst.namespace}`, {
    disturb: async (p) => {
      if (!point) return;
      await waitUntil(inst, p, point.reached, point.name);
      await inst.killWorker();
      inst.startWorker();
    },
  });
  // Finished and archived: its worker would only take CPU from the kill points still running.
  await inst.killWorker();
  return { name, release, inst, outcome };
}

export const killWorker: Scenario = {
  name: 'worker SIGKILL at step boundaries',
  async run(opts: ChaosOptions) {
    const points = KILL_POINTS.filter((k) => k.reduced || !opts.reduced);
    const plan = [
      { name: 'undisturbed healthy', release: 'healthy' as const, point: undefined },
      { name: 'undisturbed broken', release: 'broken' as const, point: undefined },
      ...points.map((point) => ({ name: `kill at ${point.name}`, release: point.release, point })),
    ];
    const namespaces = plan.map((_, i) => `chaos-kill-${i}`);
    const temporal = await startDevServer({ namespaces, logLevel: 'error' });
    const installations: Installation[] = [];
    try {
      const runs = await inLanes(plan, LANES, async (step, i) => {
        const inst = await Installation.create({ address: temporal.env.address, namespace: namespaces[i] });
        installations.push(inst);
        return killAt(inst, step.name, step.release, step.point);
      });
      const checks: RunCheck[] = [];
      const baselines = new Map<ReleaseName, RunCheck>();
      for (const run of runs.slice(0, 2)) {
        const check = await checkRun(run.inst, run.name, run.outcome.promotion, run.outcome.result, {
          status: EXPECTED_STATUS[run.release],
        });
        baselines.set(run.release, check);
        checks.push(check);
      }
      for (const run of runs.slice(2)) {
        const baseline = baselines.get(run.release)!;
        checks.push(
          await checkRun(run.inst, run.name, run.outcome.promotion, run.outcome.result, {
            status: EXPECTED_STATUS[run.release],
            evidence: baseline.chain.map((r) => r.type),
            operations: baseline.operations,
          }),
        );
      }
      // How much in-flight work the kills cost, from the histories: proof the kills landed.
      const histories = await Promise.all(runs.slice(2).map((r) => progressOf(r.inst, r.outcome.promotion)));
      const retried = histories.reduce((n, h) => n + h.retriedActivities, 0);
      const reinvoked = (await Promise.all(runs.map((r) => repeatedToolCalls(r.inst)))).reduce(
        (a, b) => a + b,
        0,
      );
      const lostTasks = histories.reduce((n, h) => n + h.lostWorkflowTasks, 0);
      return tally(
        this.name,
        checks,
        `${points.length} kill points + 2 undisturbed runs (healthy → succeeded, broken canary → rolled-back), ${LANES} at a time; ` +
          `the kills cost ${retried} activity retries and ${lostTasks} timed-out workflow tasks; ` +
          `the deploy tool completed the same key twice ${reinvoked} time(s) (a call cut off by a kill is redone; the key lets a tool skip it)`,
      );
    } finally {
      await Promise.all(installations.map((i) => i.close()));
      await temporal.teardown();
    }
  },
};
