import type { HostSpeed } from './host-speed.js';
/** One measured figure, with the baseline measured in the same run where there is one. */
export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  baseline?: number;
  ratio?: number;
  /** The figure's target from issue 10: `ratio` (or `value`) must be at most `max`. */
  target?: { of: 'ratio' | 'value'; max: number };
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
  return measured !== undefined && measured <= r.target.max;
}
