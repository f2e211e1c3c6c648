import { ROUTER_METRICS } from '../../targets/local/metric-names.js';
import { distributionOfWeighted } from '../statistics.js';
import { PrometheusClient, type InstantSample } from './prometheus-client.js';
import {
  MetricsInvalidError,
  type MeasureRequest,
  type MetricsProvider,
  type VersionMeasurements,
} from './provider.js';
import { checkCounts } from './validation.js';

/**
 * Reads the local router's metrics (or anything exporting the same names and labels) from
 * Prometheus. Counts come from increase() over the bake window, evaluated at its end; the latency
 * distribution comes from the histogram buckets, each request placed at its bucket's upper bound.
 */
export function prometheusProvider(opts: { url: string; timeoutMs: number }): MetricsProvider {
  const client = new PrometheusClient(opts.url, opts.timeoutMs);
  return {
    name: 'prometheus',
    async measure(req: MeasureRequest): Promise<VersionMeasurements> {
      const at = new Date(req.window.end);
      const selector = labelSelector({ app: req.app, version: req.version });
      const range = rangeOf(req.window);
      const increase = (metric: string) => `sum(increase(${metric}${selector}[${range}]))`;
      const buckets = `sum by (le) (increase(${ROUTER_METRICS.duration}_bucket${selector}[${range}]))`;
      const q = (phi: number) =>
        `histogram_quantile(${phi}, sum by (le) (rate(${ROUTER_METRICS.duration}_bucket${selector}[${range}]))) * 1000`;
      const [requests, errors, bucketSamples, p50, p90, p99] = await Promise.all([
        client.scalar(increase(ROUTER_METRICS.requests), at),
        client.scalar(increase(ROUTER_METRICS.errors), at),
        client.query(buckets, at),
        client.scalar(q(0.5), at),
        client.scalar(q(0.9), at),
        client.scalar(q(0.99), at),
      ]);
      // No series in the window means no requests were counted there (not an error of the query):
      // scalar() reports that as NaN, while a series whose value is NaN arrives as a sample.
      const requestCount = Number.isNaN(requests) ? 0 : requests;
      const errorCount = Number.isNaN(errors) ? 0 : errors;
      checkCounts('prometheus', req.version, { requests: requestCount, errors: errorCount });
      const { latency, topBucketMs } = bucketsToDistribution(bucketSamples, req.version);
      return {
        version: req.version,
        requests: requestCount,
        errors: errorCount,
        latency,
        latencyQuantilesMs: { p50, p90, p99 },
        ...(topBucketMs !== undefined ? { latencyTopBucketMs: topBucketMs } : {}),
      };
    },
    query: (expression: string, at: string) => client.scalar(expression, new Date(at)),
  };
}

/** Label values are PromQL string literals: JSON's escaping is a valid subset. */
export function labelSelector(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;
}

/** The window as a PromQL range, whole seconds, at least 1 s. */
export function rangeOf(window: { start: string; end: string }): string {
  const seconds = Math.max(1, Math.round((Date.parse(window.end) - Date.parse(window.start)) / 1000));
  return `${seconds}s`;
}

/**
 * Cumulative `le` buckets → requests per bucket. increase() extrapolates to the window's edges, so
 * counts are rounded to whole requests. The +Inf bucket has no upper bound: its requests are
 * placed just above the largest finite bound, the least they can be, and the judge treats any
 * value there as censored. A NaN, negative or infinite bucket count is refused.
 */
export function bucketsToDistribution(samples: InstantSample[], version: string) {
  const cumulative = samples
    .map((s) => ({
      le: s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le),
      raw: s.value,
    }))
    .filter((b) => !Number.isNaN(b.le))
    .sort((a, b) => a.le - b.le);
  for (const b of cumulative) {
    if (!Number.isFinite(b.raw) || b.raw < 0)
      throw new MetricsInvalidError(
        `prometheus provider reported ${Number.isNaN(b.raw) ? 'NaN' : b.raw} requests in the latency bucket le=${b.le} for version ${version}: bucket counts must be finite numbers >= 0`,
      );
  }
  const largestFinite = cumulative.filter((b) => Number.isFinite(b.le)).at(-1)?.le;
  const topBucketMs = largestFinite !== undefined ? largestFinite * 1000 : undefined;
  const aboveTop = topBucketMs !== undefined ? topBucketMs * (1 + 1e-9) : 0;
  let previous = 0;
  const pairs: [number, number][] = [];
  for (const bucket of cumulative) {
    const count = Math.round(bucket.raw);
    const upperMs = Number.isFinite(bucket.le) ? bucket.le * 1000 : aboveTop;
    pairs.push([upperMs, Math.max(0, count - previous)]);
    previous = Math.max(previous, count);
  }
  return { latency: distributionOfWeighted(pairs), topBucketMs };
}
