import { Counter, Histogram, Registry } from 'prom-client';
import type { VersionTraffic } from '../target.js';
import { DURATION_BUCKETS_SECONDS, ROUTER_METRICS } from './metric-names.js';

/** Enough for a bake of several minutes at a few hundred requests per second per version. */
const SAMPLES_PER_VERSION = 200_000;

/** Per-request outcomes of one version, newest overwriting oldest once full. */
class SampleRing {
  private readonly at = new Float64Array(SAMPLES_PER_VERSION);
  private readonly latencyMs = new Float64Array(SAMPLES_PER_VERSION);
  private readonly error = new Uint8Array(SAMPLES_PER_VERSION);
  private next = 0;
  private size = 0;

  add(at: number, latencyMs: number, error: boolean): void {
    this.at[this.next] = at;
    this.latencyMs[this.next] = latencyMs;
    this.error[this.next] = error ? 1 : 0;
    this.next = (this.next + 1) % SAMPLES_PER_VERSION;
    this.size = Math.min(this.size + 1, SAMPLES_PER_VERSION);
  }

  between(start: number, end: number): VersionTraffic {
    const traffic: VersionTraffic = { requests: 0, errors: 0, latenciesMs: [] };
    for (let i = 0; i < this.size; i++) {
      const at = this.at[i]!;
      if (at < start || at > end) continue;
      traffic.requests++;
      if (this.error[i]) traffic.errors++;
      else traffic.latenciesMs.push(this.latencyMs[i]!);
    }
    return traffic;
  }
}

/**
 * What the local routers measured: Prometheus metrics (prom-client, one registry per target) for
 * scraping, plus every request's latency and outcome for the built-in provider's comparison.
 */
export class RouterMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: ROUTER_METRICS.requests,
    help: 'Requests the router sent to each version (including failed ones).',
    labelNames: ['app', 'version'] as const,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: ROUTER_METRICS.errors,
    help: 'Responses with status >= 500 and requests the router could not deliver, per version.',
    labelNames: ['app', 'version'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: ROUTER_METRICS.duration,
    help: 'Latency of non-error responses through the router, per version, in seconds.',
    labelNames: ['app', 'version'] as const,
    buckets: DURATION_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  private readonly rings = new Map<string, SampleRing>();

  /** Creates a version's series at zero, so queries see "no errors" rather than "no data". */
  track(app: string, version: string): void {
    this.requests.labels(app, version).inc(0);
    this.errors.labels(app, version).inc(0);
    this.ring(app, version);
  }

  record(app: string, version: string, latencyMs: number, error: boolean): void {
    this.requests.labels(app, version).inc();
    if (error) this.errors.labels(app, version).inc();
    else this.duration.labels(app, version).observe(latencyMs / 1000);
    this.ring(app, version).add(Date.now(), latencyMs, error);
  }

  trafficIn(app: string, version: string, start: Date, end: Date): VersionTraffic {
    return this.ring(app, version).between(start.getTime(), end.getTime());
  }

  private ring(app: string, version: string): SampleRing {
    const id = JSON.stringify([app, version]);
    let ring = this.rings.get(id);
    if (!ring) {
      ring = new SampleRing();
      this.rings.set(id, ring);
    }
    return ring;
  }
}
