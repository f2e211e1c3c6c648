import { MetricsInvalidError } from './provider.js';

const describe = (v: number) => (Number.isNaN(v) ? 'NaN' : String(v));

/**
 * Counts as a provider reports them: finite and not negative, errors not above requests. Throws
 * MetricsInvalidError naming the metric, the version and the provider.
 */
export function checkCounts(provider: string, version: string, counts: Record<string, number>): void {
  for (const [metric, value] of Object.entries(counts)) {
    if (!Number.isFinite(value) || value < 0)
      throw new MetricsInvalidError(
        `${provider} provider reported ${metric} = ${describe(value)} for version ${version}: a count must be a finite number >= 0`,
      );
  }
  if (counts.errors !== undefined && counts.requests !== undefined && counts.errors > counts.requests)
    throw new MetricsInvalidError(
      `${provider} provider reported ${counts.errors} errors but only ${counts.requests} requests for version ${version}`,
    );
}

/** Latency samples: each finite and not negative. Names the first offending sample and how many there are. */
export function checkLatencies(provider: string, version: string, latenciesMs: readonly number[]): void {
  let bad = 0;
  let first: number | undefined;
  for (const v of latenciesMs) {
    if (Number.isFinite(v) && v >= 0) continue;
    bad++;
    first ??= v;
  }
  if (bad > 0)
    throw new MetricsInvalidError(
      `${provider} provider reported ${bad} latency sample(s) that are negative, NaN or infinite for version ${version} (first: ${describe(first!)}): latency-vs-baseline and the latency thresholds cannot be judged`,
    );
}
