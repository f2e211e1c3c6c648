/**
 * Policy benchmarks: pack load + type-check time at startup, and the latency of one gate
 * evaluation (facts from real evidence files + all 32 built-in rules), median of repeated runs.
 *   TOLLGATE_BENCH_POLICY_RUNS (default 200) evaluations measured
 */
import { loadPacks } from '../../src/policy/loader.js';
import type { Facts } from '../../src/policy/facts/index.js';
import { builtInPacks, fixtureEngine, fixtureRelease, request } from '../policy/helpers.js';
import type { BenchResult } from './types.js';

const RUNS = Number(process.env.TOLLGATE_BENCH_POLICY_RUNS ?? 200);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

export async function run(): Promise<BenchResult[]> {
  const loads: number[] = [];
  for (let i = 0; i < 20; i++) loads.push(await timed(() => loadPacks([builtInPacks])));

  const engine = await fixtureEngine();
  const rules = engine.packs.reduce((n, p) => n + p.rules.length, 0);
  const results: BenchResult[] = [
    {
      name: 'policy: load + type-check built-in packs',
      unit: 'ms',
      value: median(loads),
      details: { packs: engine.packs.length, rules },
    },
  ];
  for (const file of ['checkout.yaml', 'assistant.yaml']) {
    const release = await fixtureRelease(file);
    const req = request(release);
    const latencies: number[] = [];
    for (let i = 0; i < RUNS; i++) latencies.push(await timed(() => engine.evaluate(req)));
    const facts = (await engine.evaluate(req)).facts as Facts;
    const rulesOnly: number[] = [];
    for (let i = 0; i < RUNS; i++) rulesOnly.push(await timed(() => engine.evaluate(req, { facts })));
    results.push(
      {
        name: `policy: evaluate ${file} (facts + rules)`,
        unit: 'ms',
        value: median(latencies),
        details: { runs: RUNS, rules, p95: latencies.sort((a, b) => a - b)[Math.floor(RUNS * 0.95)] },
      },
      {
        name: `policy: evaluate ${file} (rules over given facts)`,
        unit: 'ms',
        value: median(rulesOnly),
        details: { runs: RUNS, rules },
      },
    );
  }
  return results;
}
