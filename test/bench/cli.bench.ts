/**
 * CLI benchmark: cold-start time of `tollgate status <id>` run the way users run it — a fresh
 * `node bin/tollgate.js` process on the bundled CLI (dist/cli/, bundled here first, as
 * `npm run build:cli` does): load the command, connect, read the finished
 * promotion's state — against `temporal workflow describe` of the same promotion with the
 * Temporal CLI binary. `status` of a running promotion (a query the
 * worker answers) and `tollgate --help` (no connection at all) are reported beside it.
 *   TOLLGATE_BENCH_CLI_RUNS (default 9): runs of each; medians are reported.
 *   TOLLGATE_BENCH_CLI_COMPARE: another checkout's `bin/tollgate.js` (e.g. an older commit, built),
 *   timed in the same loop, so a before/after comparison shares the machine's load.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/paths.js';
import { findTemporalCli } from '../../src/provision/temporal-cli.js';
import { tollgateBin } from '../helpers/cli-process.js';
import { startDevServer } from '../helpers/temporal.js';
import { createCliWorld, waitForState, writeManifest } from '../cli/support.js';
import type { BenchResult } from './types.js';

const run = promisify(execFile);

const CLI_NOTE =
  "`status` reads a finished promotion's final state from its memo (written as the promotion ends, behind patched() `final-state-in-memo`) with one DescribeWorkflowExecution, and a running one's with one QueryWorkflow, both over plain gRPC (node:http2 and a protobuf description of just those messages, src/client/lite-rpc.ts); @temporalio/client is loaded only where that cannot answer (TLS, an API key, a gRPC error, promotions finished before the memo existed). The bundle's Temporal API description is pruned to the RPCs status, list and watch make (src/cli/pruned-protos.ts). Before: 531 ms against 95 ms (ratio 5.57, 2026-12-07): loading @temporalio/proto's reflection of the whole API (~170 ms) and a query a worker answers by replaying the finished promotion's history (~55 ms more than describe). Pruning the description alone gave 304 ms against 65 ms (ratio 4.66). Medians of three runs of `npm run bench -- cli` (load 1.9-3.9): 116 ms against 75 ms (ratios 1.83, 1.52, 1.55); a running promotion's status 145 ms (ratios 2.05, 1.89, 2.06); `node -e 0` alone takes about 80 ms on this machine.";

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function runBench(): Promise<BenchResult[]> {
  const runs = Number(process.env.TOLLGATE_BENCH_CLI_RUNS ?? 9);
  const compare = process.env.TOLLGATE_BENCH_CLI_COMPARE;
  // Times today's code as users run it: `npm run bench` compiles dist/ first; bundled here.
  await run(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/cli/bundle.ts')], {
    cwd: projectRoot,
  });
  const harness = await startDevServer();
  const noop = { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } };
  const world = await createCliWorld(harness, [
    {
      name: 'dev',
      target: noop,
      policy: { packs: ['change-management'] },
      approval: { groups: ['release-managers'] },
    },
  ]);
  try {
    // A finished promotion (approved) and one waiting at the approval gate; apps of
    // their own, so neither waits for the other's stage lock.
    const promote = async (id: string) => {
      const release = await writeManifest(world.dir, id, { app: id });
      const started = await world.tollgate(['promote', release, '--id', id], { as: 'rita' });
      if (started.code !== 0) throw new Error(`bench promotion failed: ${started.stderr}`);
      await waitForState(harness, id, (s) => s.gate === 'approval', 'approval');
    };
    await Promise.all([promote('bench-status'), promote('bench-running')]);
    const approved = await world.tollgate(['approve', 'bench-status', '--yes'], { as: 'bob' });
    if (approved.code !== 0) throw new Error(`bench approval failed: ${approved.stderr}`);
    await harness.env.client.workflow.getHandle('bench-status').result();
    const temporal = await findTemporalCli();
    if (temporal.type !== 'existing-path') throw new Error('no Temporal CLI binary');

    const tollgate = (args: string[], bin = tollgateBin) =>
      run(process.execPath, [bin, ...args], { cwd: projectRoot, env: world.env });
    const describe = () =>
      run(temporal.path, [
        'workflow',
        'describe',
        '--workflow-id',
        'bench-status',
        '--address',
        harness.env.address,
        '--output',
        'json',
      ]);
    // One untimed run of each, so the figures compare warm file caches, not the first disk read.
    await Promise.all([tollgate(['status', 'bench-status', '--json']), describe()]);

    const tollgateMs: number[] = [];
    const temporalMs: number[] = [];
    const helpMs: number[] = [];
    const runningMs: number[] = [];
    const compareMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      tollgateMs.push(await timed(() => tollgate(['status', 'bench-status', '--json'])));
      temporalMs.push(await timed(describe));
      helpMs.push(await timed(() => tollgate(['--help'])));
      runningMs.push(await timed(() => tollgate(['status', 'bench-running', '--json'])));
      if (compare) compareMs.push(await timed(() => tollgate(['status', 'bench-status', '--json'], compare)));
    }
    const value = median(tollgateMs);
    const baseline = median(temporalMs);
    return [
      {
        name: 'cli: `tollgate status` cold start vs `temporal workflow describe`',
        unit: 'ms',
        value: Math.round(value),
        baseline: Math.round(baseline),
        ratio: Math.round((value / baseline) * 100) / 100,
        target: { of: 'ratio', max: 3 },
        note: CLI_NOTE,
        details: {
          runs,
          tollgateMs: tollgateMs.map(Math.round),
          temporalMs: temporalMs.map(Math.round),
          runner: 'node bin/tollgate.js (bundled CLI in dist/cli/)',
        },
      },
      ...(compare
        ? [
            {
              name: `cli: \`tollgate status\` cold start of ${compare} vs this checkout`,
              unit: 'ms',
              value: Math.round(median(compareMs)),
              baseline: Math.round(value),
              ratio: Math.round((median(compareMs) / value) * 100) / 100,
              details: { runs, compareMs: compareMs.map(Math.round) },
            },
          ]
        : []),
      {
        name: 'cli: `tollgate status` cold start of a running promotion (a query) vs `temporal workflow describe`',
        unit: 'ms',
        value: Math.round(median(runningMs)),
        baseline: Math.round(baseline),
        ratio: Math.round((median(runningMs) / baseline) * 100) / 100,
        details: { runs, runningMs: runningMs.map(Math.round) },
      },
      {
        name: 'cli: `tollgate --help` cold start (no connection)',
        unit: 'ms',
        value: Math.round(median(helpMs)),
        details: { runs, helpMs: helpMs.map(Math.round) },
      },
    ];
  } finally {
    await world.workers.shutdown();
    await harness.teardown();
  }
}

export { runBench as run };
