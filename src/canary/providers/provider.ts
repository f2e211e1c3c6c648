import type { Distribution } from '../statistics.js';

export interface MeasureRequest {
  app: string;
  version: string;
  window: { start: string; end: string };
}

/** What one version did during the bake window. */
export interface VersionMeasurements {
  version: string;
  requests: number;
  /** Responses with status >= 500 and requests that could not be delivered. */
  errors: number;
  /** Latency of non-error responses, in milliseconds. */
  latency: Distribution;
  /** Latency quantiles in milliseconds; NaN without samples. */
  latencyQuantilesMs: { p50: number; p90: number; p99: number };
  /**
   * From histograms: the top finite bucket bound (ms). Requests in the +Inf bucket are placed just
   * above it, so any latency above it is only known to be at least this much.
   */
  latencyTopBucketMs?: number;
}

/** Where the analysis reads its numbers from: the local router itself, or Prometheus. */
export interface MetricsProvider {
  readonly name: string;
  measure(req: MeasureRequest): Promise<VersionMeasurements>;
  /**
   * Evaluates a user-written query to one number at `at` (NaN when it returns no data). Providers
   * without a query language leave this out; thresholds that need it are then inconclusive.
   */
  query?(expression: string, at: string): Promise<number>;
}

/** The provider could not answer at all (unreachable, timed out, not a metrics API): never a pass. */
export class MetricsUnavailableError extends Error {
  override name = 'MetricsUnavailableError';
}

/**
 * The provider answered with numbers no measurement can have (negative, NaN or infinite samples
 * or counts): the step is inconclusive, with this message naming the metric and the provider.
 */
export class MetricsInvalidError extends Error {
  override name = 'MetricsInvalidError';
}

/** The provider answered, but the question was wrong (e.g. a PromQL syntax error in a custom query). */
export class MetricsQueryError extends Error {
  override name = 'MetricsQueryError';
}

/** The errors a provider reports for a step: each makes it inconclusive with its message, never a throw. */
export function isProviderError(
  err: unknown,
): err is MetricsUnavailableError | MetricsQueryError | MetricsInvalidError {
  return (
    err instanceof MetricsUnavailableError ||
    err instanceof MetricsQueryError ||
    err instanceof MetricsInvalidError
  );
}
