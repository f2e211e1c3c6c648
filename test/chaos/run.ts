/**
 * `npm run chaos [-- --reduced] [scenario filter]`: runs the chaos scenarios against real servers
 * and processes, prints a table (scenario, runs, passed, lost records, duplicated operations) and
 * writes test/chaos/results/latest.json, which BENCHMARKS.md is generated from. Exits non-zero
 * when any run failed its checks or a scenario could not run (a server that does not start is a
 * failure, never a skip).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOrExit } from '../helpers/build.js';
import { killWorker } from './kill-worker.js';
import { restartTemporal } from './restart-temporal.js';
import { flakyTarget } from './flaky-target.js';
import { prometheusDown } from './prometheus-down.js';
import { restartPostgres } from './restart-postgres.js';
import type { ChaosReport, Scenario, ScenarioResult } from './types.js';

const SCENARIOS: Scenario[] = [killWorker, restartTemporal, flakyTarget, prometheusDown, restartPostgres];

const args = process.argv.slice(2);
const reduced = args.includes('--reduced');
const filter = args.find((a) => !a.startsWith('--'));
const selected = SCENARIOS.filter((s) => !filter || s.name.includes(filter));
if (selected.length === 0) {
  console.error(
    `no chaos scenario matches "${filter}"; scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`,
  );
  process.exit(2);
}

buildOrExit('test/chaos/run.ts');
// Interrupted: exit properly, so the worker processes go too (see support/installation.ts).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const started = Date.now();
/**
 * Scenarios run at once: each has its own servers and installations, and most of their time is
 * waiting (bakes, retry backoffs, the 1 min heartbeat timeout of a killed activity).
 */
async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  const t0 = Date.now();
  console.error(`chaos: ${scenario.name} …`);
  let result: ScenarioResult;
  try {
    result = await scenario.run({ reduced });
  } catch (err) {
    // The scenario could not run at all (a server did not start, …): one failed run, loudly.
    result = {
      scenario: scenario.name,
      runs: 1,
      passed: 0,
      lostRecords: 0,
      duplicatedOperations: 0,
      notes: `could not run: ${(err as Error).message}`,
      failures: [String((err as Error).stack ?? err)],
    };
  }
  const seconds = ((Date.now() - t0) / 1000).toFixed(0);
  console.error(`chaos: ${scenario.name}: ${result.passed}/${result.runs} passed in ${seconds} s`);
  for (const failure of result.failures) console.error(`  FAILED ${failure}`);
  return result;
}
const results = await Promise.all(selected.map(runScenario));
const durationSeconds = Math.round((Date.now() - started) / 100) / 10;

const header = ['scenario', 'runs', 'passed', 'lost records', 'duplicated operations'];
const rows = results.map((r) =>
  [r.scenario, r.runs, r.passed, r.lostRecords, r.duplicatedOperations].map(String),
);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(line(header));
for (const row of rows) console.log(line(row));
console.log(`${reduced ? 'reduced' : 'full'} run, ${durationSeconds} s`);
for (const r of results) if (r.notes) console.log(`${r.scenario}: ${r.notes}`);

const cpus = os.cpus();
const report: ChaosReport = {
  machine: {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  },
  finishedAt: new Date().toISOString(),
  mode: reduced ? 'reduced' : 'full',
  durationSeconds,
  scenarios: results.map(({ failures: _failures, ...row }) => row),
};
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
await mkdir(dir, { recursive: true });
// A filtered run is not the whole picture: it must not replace what BENCHMARKS.md is built from.
const file = path.join(dir, filter ? 'filtered.json' : 'latest.json');
await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`results: ${path.relative(process.cwd(), file)}`);
// Exit explicitly: a scenario that lost a server mid-call can leave a client's reconnect timer behind.
process.exit(results.every((r) => r.passed === r.runs) ? 0 : 1);
