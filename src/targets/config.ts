import { z } from 'zod';

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
  /** Built-in traffic generator, requests per second while a canary bakes (0 = off). */
  trafficRps: z.number().nonnegative().default(0),
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
  timeout: z.string().default('5m'),
  /** Names of environment variables passed through to the commands (secrets stay out of argv and logs). */
  env: z.array(z.string()).default([]),
});

export const TargetConfig = z.discriminatedUnion('type', [LocalTargetConfig, CommandTargetConfig]);
export type TargetConfig = z.infer<typeof TargetConfig>;
