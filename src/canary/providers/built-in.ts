import type { Target } from '../../targets/target.js';
import { distributionOf, quantile } from '../statistics.js';
import { checkCounts, checkLatencies } from './validation.js';
import {
  MetricsUnavailableError,
  type MeasureRequest,
  type MetricsProvider,
  type VersionMeasurements,
} from './provider.js';

/**
 * Reads what the target's own router measured: every request's latency and outcome, so the
 * comparison works on raw samples rather than histogram buckets.
 */
export function builtInProvider(target: Target): MetricsProvider {
  return {
    name: 'built-in',
    async measure(req: MeasureRequest): Promise<VersionMeasurements> {
      if (!target.trafficIn) {
        throw new MetricsUnavailableError(
          'the built-in metrics provider reads the local target\'s router, and this stage\'s target has none: set canary.metrics.provider to "prometheus"',
        );
      }
      const traffic = await target.trafficIn({ app: req.app, version: req.version, ...req.window });
      checkCounts('built-in', req.version, { requests: traffic.requests, errors: traffic.errors });
      checkLatencies('built-in', req.version, traffic.latenciesMs);
      const latency = distributionOf(traffic.latenciesMs);
      return {
        version: req.version,
        requests: traffic.requests,
        errors: traffic.errors,
        latency,
        latencyQuantilesMs: {
          p50: quantile(latency, 0.5),
          p90: quantile(latency, 0.9),
          p99: quantile(latency, 0.99),
        },
      };
    },
  };
}
