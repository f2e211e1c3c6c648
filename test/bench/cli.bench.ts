/**
 * CLI benchmark: cold-start time of `tollgate status <id>` (a fresh Node process: load the CLI,
 * read the config, connect, query the promotion's live state) against
 * `temporal workflow describe` of the same promotion with the Temporal CLI binary.
 *   TOLLGATE_BENCH_CLI_RUNS (default 7): runs of each; the median is reported.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { findTemporalCli } from '../../src/server/temporal-cli.js';
import { startDevServer } from '../helpers/temporal.js';
import { createCliWorld } from '../cli/support.js';
import type { BenchResult } from './types.js';

const run = promisify(execFile);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function runBench(): Promise<BenchResult[]> {
  const runs = Number(process.env.TOLLGATE_BENCH_CLI_RUNS ?? 7);
  const harness = await startDevServer();
  const noop = { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } };
  const world = await createCliWorld(harness, [
    { name: 'dev', target: noop, policy: { packs: ['change-management'] } },
  ]);
  try {
    const release = path.join(world.dir, 'release.yaml');
    await writeFile(
      release,
      `apiVersion: tollgate.dev/v1\nkind: Release\napp: bench\nversion: 1.0.0\nartifacts: [{ name: a, ref: x, digest: "sha256:${'b'.repeat(64)}" }]\nrequester: rita\nchange: { description: benchmark promotion }\ncommitAuthors: [dave]\n`,
    );
    const promoted = await world.tollgate(['promote', release, '--follow', '--id', 'bench-status'], {
      as: 'rita',
    });
    if (promoted.code !== 0) throw new Error(`bench promotion failed: ${promoted.stderr}`);
    const temporal = await findTemporalCli();
    if (temporal.type !== 'existing-path') throw new Error('no Temporal CLI binary');

    const tollgateMs: number[] = [];
    const temporalMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      tollgateMs.push(
        await timed(async () => {
          const r = await world.tollgate(['status', 'bench-status', '--json']);
          if (r.code !== 0) throw new Error(r.stderr);
        }),
      );
      temporalMs.push(
        await timed(() =>
          run(temporal.path, [
            'workflow',
            'describe',
            '--workflow-id',
            'bench-status',
            '--address',
            harness.env.address,
            '--output',
            'json',
          ]),
        ),
      );
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
        details: {
          runs,
          tollgateMs: tollgateMs.map(Math.round),
          temporalMs: temporalMs.map(Math.round),
          runner: 'node --import tsx (TypeScript compiled at start)',
        },
      },
    ];
  } finally {
    await world.workers.shutdown();
    await harness.teardown();
  }
}

export { runBench as run };
