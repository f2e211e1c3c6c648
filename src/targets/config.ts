import { z } from 'zod';
import { Duration } from '../domain/common.js';

/**
 * How a stage's deploy target is configured. `local` runs versions as processes on loopback
 * behind a weighted router; `command` drives an existing tool (helm, kubectl, …).
 */
export const LocalTargetConfig = z
  .strictObject({
    type: z.literal('local').describe('run versions as processes on loopback behind a weighted router'),
    command: z
      .array(z.string())
      .min(1)
      .describe('argv that starts one version of the app; {version}, {port} and {app} are substituted'),
    routerPort: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(0)
      .describe('port of the router (0: any free port)'),
    healthPath: z
      .string()
      .default('/healthz')
      .describe('path a new version must answer before it gets traffic'),
    trafficRps: z
      .number()
      .nonnegative()
      .default(0)
      .describe(
        'built-in traffic generator, requests per second while a canary bakes, from each weight change until the analysis reads that bake (0 = off)',
      ),
    trafficPath: z
      .string()
      .regex(/^\//, 'must start with /')
      .default('/')
      .describe("path the traffic generator requests (the app's main route)"),
    metricsPort: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(0)
      .describe(
        "port of the Prometheus endpoint (/metrics) for every app's router; 0 picks a free one, kept across restarts",
      ),
    startTimeout: Duration.default('15s').describe(
      'how long a new version may take to answer its health check',
    ),
  })
  .describe('local processes behind a weighted router');

export const CommandTargetConfig = z
  .strictObject({
    type: z.literal('command').describe('drive an existing tool (helm, kubectl, …)'),
    operations: z
      .strictObject({
        deploy: z.array(z.string()).min(1).describe('argv that deploys {version} of {app}'),
        setWeight: z
          .array(z.string())
          .min(1)
          .optional()
          .describe('argv that sends {weight}% of traffic to the canary'),
        promote: z
          .array(z.string())
          .min(1)
          .optional()
          .describe('argv that makes the canary the stable version'),
        rollback: z.array(z.string()).min(1).describe('argv that restores {version}'),
        status: z.array(z.string()).min(1).optional().describe('argv that prints what is serving'),
      })
      .describe('argv per operation; {app}, {version}, {weight}, {stage}, {key} are substituted'),
    timeout: Duration.default('5m').describe('longest an operation may run'),
    env: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'))
      .default([])
      .describe(
        'names of environment variables passed through to the commands (secrets stay out of argv and logs)',
      ),
    retryableExitCodes: z
      .array(z.number().int())
      .default([])
      .describe(
        'exit codes that mean "try again" (e.g. a lock held by another run); any other failure is permanent',
      ),
  })
  .describe('commands that drive an existing deploy tool');

export const TargetConfig = z
  .discriminatedUnion('type', [LocalTargetConfig, CommandTargetConfig])
  .describe("the stage's deploy target");
export type TargetConfig = z.infer<typeof TargetConfig>;
