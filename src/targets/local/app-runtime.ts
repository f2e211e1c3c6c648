/**
 * One app on the local target: its router, traffic generator and version processes, and the
 * serving state they add up to.
 */
import type { ServingState } from '../target.js';
import type { Router } from './router.js';
import type { TrafficGenerator } from './traffic.js';
import type { VersionProcess } from './version-process.js';

export interface AppRuntime {
  router: Router;
  routerPort: number;
  traffic: TrafficGenerator;
  stable?: VersionProcess;
  canary?: { proc: VersionProcess; weight: number };
  previousStable?: string;
  /** When the canary's current weight took effect: its bake began then. */
  bakeSince?: number;
}

/** For error messages: what serves now, e.g. `stable 1.0.0, canary 2.0.0 at 10%`. */
export function describeServing(rt: AppRuntime): string {
  const parts = [
    rt.stable ? `stable ${rt.stable.record.version}` : 'no stable version',
    rt.canary ? `canary ${rt.canary.proc.record.version} at ${rt.canary.weight}%` : 'no canary',
  ];
  return parts.join(', ');
}

/** The serving state of an app, with each version's health checked now. */
export async function servingState(app: string, rt: AppRuntime, metricsPort: number): Promise<ServingState> {
  const [stableHealthy, canaryHealthy] = await Promise.all([rt.stable?.healthy(), rt.canary?.proc.healthy()]);
  return {
    app,
    ...(rt.stable ? { stable: { version: rt.stable.record.version, healthy: stableHealthy! } } : {}),
    ...(rt.canary
      ? {
          canary: {
            version: rt.canary.proc.record.version,
            weight: rt.canary.weight,
            healthy: canaryHealthy!,
          },
        }
      : {}),
    ...(rt.previousStable ? { previousStable: rt.previousStable } : {}),
    endpoint: {
      url: `http://127.0.0.1:${rt.routerPort}`,
      metrics: `http://127.0.0.1:${metricsPort}/metrics`,
    },
  };
}
