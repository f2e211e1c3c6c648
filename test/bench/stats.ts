/** Small statistics shared by the benchmarks. */

/** The nearest-rank percentile (p in 0..100), rounded to 0.1. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return round(sorted[index]!, 1);
}

export function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}

/** value / baseline, rounded to two digits. */
export function ratio(value: number, baseline: number): number {
  return round(value / baseline, 2);
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await fn();
  return { result, seconds: (performance.now() - started) / 1000 };
}

/**
 * Wall time of a benchmark's phases (set-up included), for the JSON: where a run's minutes go.
 * `mark(name)` closes the phase that began at the previous mark (or at creation).
 */
export function phaseClock(): { mark(name: string): void; seconds: Record<string, number> } {
  let last = performance.now();
  const seconds: Record<string, number> = {};
  return {
    mark(name) {
      const now = performance.now();
      seconds[name] = round((now - last) / 1000, 1);
      last = now;
    },
    seconds,
  };
}
