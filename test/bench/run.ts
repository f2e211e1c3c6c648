/**
 * `npm run bench`: runs every test/bench/*.bench.ts (or those named as arguments), prints one
 * table and writes the figures as JSON under test/bench/results/.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = (await readdir(here))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  process.stderr.write('no benchmark matched\n');
  process.exit(1);
}

const all: (BenchResult & { bench: string })[] = [];
for (const file of files) {
  process.stderr.write(`bench: ${file}\n`);
  const mod = (await import(path.join(here, file))) as { run(): Promise<BenchResult[]> };
  for (const result of await mod.run()) all.push({ bench: file.replace('.bench.ts', ''), ...result });
}

const fmt = (n: number | undefined) =>
  n === undefined ? '' : Number.isInteger(n) ? String(n) : n.toFixed(3);
const rows = all.map((r) => [r.name, fmt(r.value), r.unit, fmt(r.baseline), fmt(r.ratio)]);
const header = ['figure', 'value', 'unit', 'baseline', 'ratio'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
process.stdout.write(
  `${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`,
);

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
};
const out = path.join(here, 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, JSON.stringify({ machine, results: all }, null, 2));
process.stdout.write(`${JSON.stringify({ machine, results: all })}\n`);
process.stderr.write(`bench: results written to ${path.relative(process.cwd(), out)}\n`);
