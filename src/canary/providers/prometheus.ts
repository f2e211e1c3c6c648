import { ROUTER_METRICS } from '../../targets/local/metric-names.js';
import { distributionOfWeighted } from '../statistics.js';
import { PrometheusClient, type InstantSample } from './prometheus-client.js';
import type { MeasureRequest, MetricsProvider, VersionMeasurements } from './provider.js';

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
      // No series in the window means no requests were counted there (not an error of the query).
      const requestCount = Number.isNaN(requests) ? 0 : requests;
      return {
        version: req.version,
        requests: requestCount,
        errors: Number.isNaN(errors) ? 0 : errors,
        latency: bucketsToDistribution(bucketSamples),
        latencyQuantilesMs: { p50, p90, p99 },
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
 * counts are rounded to whole requests. The +Inf bucket has no upper bound; its requests are
 * placed at twice the largest finite bound, which keeps them ranked above every finite bucket.
 */
function bucketsToDistribution(samples: InstantSample[]) {
  const cumulative = samples
    .map((s) => ({
      le: s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le),
      count: Math.round(s.value),
    }))
    .filter((b) => !Number.isNaN(b.le) && Number.isFinite(b.count))
    .sort((a, b) => a.le - b.le);
  const largestFinite = cumulative.filter((b) => Number.isFinite(b.le)).at(-1)?.le ?? 0;
  let previous = 0;
  const pairs: [number, number][] = [];
  for (const bucket of cumulative) {
    const upperMs = (Number.isFinite(bucket.le) ? bucket.le : 2 * largestFinite) * 1000;
    pairs.push([upperMs, Math.max(0, bucket.count - previous)]);
    previous = Math.max(previous, bucket.count);
  }
  return distributionOfWeighted(pairs);
}
