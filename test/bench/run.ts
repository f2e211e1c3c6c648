/**
 * `npm run bench`: runs every test/bench/*.bench.ts (or those named as arguments), prints one
 * table, writes the figures as JSON under test/bench/results/ and, for a full run, regenerates
 * BENCHMARKS.md from that JSON. Sizes come from TOLLGATE_BENCH_* variables (see each bench);
 * their defaults are the full run.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findTemporalCli } from '../../src/provision/temporal-cli.js';
import { takeCorpus } from './corpus.js';
import { hostSpeed } from './host-speed.js';
import { resultsDir, writeReport } from './report.js';
import { round } from './stats.js';
import { targetMet, targetText, type BenchResult, type BenchRun, type Machine } from './types.js';

// Expected retries (an archive waiting for its promotion to close) would flood the table.
process.env.TOLLGATE_TEST_LOG_LEVEL ??= 'error';

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
/** Benchmarks that leave archived promotions for a later one (corpus.ts) run first. */
const FIRST = ['throughput.bench.ts'];
const files = (await readdir(here))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort((a, b) => Number(FIRST.includes(b)) - Number(FIRST.includes(a)) || a.localeCompare(b));
if (files.length === 0) {
  process.stderr.write('no benchmark matched\n');
  process.exit(1);
}

const loadAtStart = os.loadavg()[0]!;
const speedAtStart = await hostSpeed();

/** The Temporal CLI's version, asked once: the report is saved after every benchmark. */
const temporalVersion: Promise<string | undefined> = findTemporalCli().then(async (temporal) =>
  temporal.type === 'existing-path'
    ? (await promisify(execFile)(temporal.path, ['--version'])).stdout.trim()
    : undefined,
);

async function machine(): Promise<Machine> {
  const version = await temporalVersion;
  return {
    cpuModel: os.cpus()[0]?.model,
    cpus: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    ...(version ? { temporalCli: version } : {}),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: { start: round(loadAtStart), end: round(os.loadavg()[0]!) },
    hostSpeed: speedAtStart,
  };
}

const startedAt = new Date();
const all: BenchRun['results'] = [];
const failures: BenchRun['failures'] = [];
const out = path.join(resultsDir, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
await mkdir(resultsDir, { recursive: true });

/** Written after every benchmark, so a run stopped half-way keeps the figures it has. */
async function save(): Promise<BenchRun> {
  const finishedAt = new Date();
  const report: BenchRun = {
    machine: await machine(),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    failures,
    results: all,
  };
  await writeFile(out, JSON.stringify(report, null, 2));
  return report;
}
for (const file of files) {
  const bench = file.replace('.bench.ts', '');
  const started = performance.now();
  process.stderr.write(`bench: ${file}\n`);
  try {
    const mod = (await import(path.join(here, file))) as { run(): Promise<BenchResult[]> };
    for (const result of await mod.run()) all.push({ bench, ...result });
  } catch (err) {
    // One broken benchmark must not hide the others' figures; the run still fails at the end.
    const error = err instanceof Error ? err.message : String(err);
    failures.push({ bench, error });
    process.stderr.write(`bench: ${file} failed: ${err instanceof Error ? err.stack : error}\n`);
  }
  process.stderr.write(`bench: ${file} took ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  await save();
}

// A corpus nobody took (the audit benchmark was not run) is removed with the run.
await takeCorpus()?.dispose();

const fmt = (n: number | undefined) =>
  n === undefined ? '' : Number.isInteger(n) ? String(n) : n.toFixed(3);
const rows = all.map((r) => {
  const met = targetMet(r);
  return [
    r.name,
    fmt(r.value),
    r.unit,
    fmt(r.baseline),
    fmt(r.ratio),
    targetText(r, String),
    met === undefined ? '' : met ? 'met' : 'MISSED',
  ];
});
const header = ['figure', 'value', 'unit', 'baseline', 'ratio', 'target', ''];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
process.stdout.write(
  `${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`,
);

const report = await save();
process.stdout.write(`${JSON.stringify(report)}\n`);
process.stderr.write(
  `bench: results written to ${path.relative(process.cwd(), out)} (${report.seconds} s)\n`,
);
if (wanted.length === 0) {
  const written = await writeReport(out);
  process.stderr.write(`bench: ${path.relative(process.cwd(), written)} regenerated\n`);
}
if (failures.length > 0) process.exitCode = 1;
