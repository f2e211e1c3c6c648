import type { HostSpeed } from './host-speed.js';
/** One measured figure, with the baseline measured in the same run where there is one. */
export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  baseline?: number;
  ratio?: number;
  /** The figure's target (issues 10 and 30): `ratio` (or `value`) at most `max`, or at least `min`. */
  target?: { of: 'ratio' | 'value'; max: number } | { of: 'ratio' | 'value'; min: number };
  /** Said in BENCHMARKS.md beside the figure: the set-up, what a profile showed, why it misses. */
  note?: string;
  details?: Record<string, unknown>;
}

/** The machine a run was measured on. */
export interface Machine {
  cpuModel?: string;
  cpus: number;
  memoryGiB: number;
  node: string;
  temporalCli?: string;
  os: string;
  /** 1-minute load average when the run started and when it finished: other work on the machine. */
  loadAverage?: { start: number; end: number };
  /** The host's speed when the run started (host-speed.ts). */
  hostSpeed?: HostSpeed;
}

/** What `npm run bench` writes to test/bench/results/. */
export interface BenchRun {
  machine: Machine;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  /** Benchmarks that threw instead of returning figures. */
  failures: { bench: string; error: string }[];
  results: (BenchResult & { bench: string })[];
}

/** Whether a figure meets its target (undefined when it has none). */
export function targetMet(r: BenchResult): boolean | undefined {
  if (!r.target) return undefined;
  const measured = r.target.of === 'ratio' ? r.ratio : r.value;
  if (measured === undefined) return false;
  return 'max' in r.target ? measured <= r.target.max : measured >= r.target.min;
}

/** The target as the tables print it: `ratio ≤ 1.5`, `value ≥ 5000`. */
export function targetText(r: BenchResult, fmt: (n: number) => string): string {
  if (!r.target) return '';
  return 'max' in r.target
    ? `${r.target.of} ≤ ${fmt(r.target.max)}`
    : `${r.target.of} ≥ ${fmt(r.target.min)}`;
}
