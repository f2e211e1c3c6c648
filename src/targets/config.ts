import { z } from 'zod';
import { Duration } from '../domain/common.js';

/**
 * How a stage's deploy target is configured. `local` runs versions as processes on loopback
 * behind a weighted router; `command` drives an existing tool (helm, kubectl, …).
 */
export const LocalTargetConfig = z.object({
  type: z.literal('local'),
  /** Command that starts one version of the app; {version}, {port} and {app} are substituted. */
  command: z.array(z.string()).min(1),
  routerPort: z.number().int().min(0).max(65535).default(0),
  healthPath: z.string().default('/healthz'),
  /**
   * Built-in traffic generator, requests per second while a canary bakes: from each weight change
   * until the analysis reads that bake (0 = off).
   */
  trafficRps: z.number().nonnegative().default(0),
  /** Path the traffic generator requests (the app's main route). */
  trafficPath: z.string().startsWith('/').default('/'),
  /** Port of the Prometheus endpoint (`/metrics`) for every app's router; 0 picks a free one, kept across restarts. */
  metricsPort: z.number().int().min(0).max(65535).default(0),
  /** How long a new version may take to answer its health check. */
  startTimeout: Duration.default('15s'),
});

export const CommandTargetConfig = z.object({
  type: z.literal('command'),
  /** argv per operation; {app}, {version}, {weight}, {stage}, {key} are substituted. */
  operations: z.object({
    deploy: z.array(z.string()).min(1),
    setWeight: z.array(z.string()).min(1).optional(),
    promote: z.array(z.string()).min(1).optional(),
    rollback: z.array(z.string()).min(1),
    status: z.array(z.string()).min(1).optional(),
  }),
  timeout: Duration.default('5m'),
  /** Names of environment variables passed through to the commands (secrets stay out of argv and logs). */
  env: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'))
    .default([]),
  /** Exit codes that mean "try again" (e.g. a lock held by another run); any other failure is permanent. */
  retryableExitCodes: z.array(z.number().int()).default([]),
});

export const TargetConfig = z.discriminatedUnion('type', [LocalTargetConfig, CommandTargetConfig]);
export type TargetConfig = z.infer<typeof TargetConfig>;
