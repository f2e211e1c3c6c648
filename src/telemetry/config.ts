import { z } from 'zod';
import { SecretRef } from '../chat/config.js';
import { Duration } from '../domain/common.js';

/** One HTTP endpoint that receives CDEvents (CloudEvents binary mode), e.g. a CDviz or Keptn collector. */
export const CdEventsSink = z.strictObject({
  name: z.string().min(1).describe('a name for this sink, used in logs'),
  url: z
    .union([z.url({ protocol: /^https?$/ }), SecretRef])
    .describe('where events are posted; may come from a secret, since a URL can carry a token'),
  token: SecretRef.optional().describe('sent as Authorization: Bearer <token> when set'),
  attempts: z
    .number()
    .int()
    .min(1)
    .max(20)
    .default(6)
    .describe('deliveries tried per event before it is dropped (and logged)'),
  timeout: Duration.default('5s').describe("each attempt's time limit"),
});
export type CdEventsSink = z.infer<typeof CdEventsSink>;

/**
 * Events Tollgate emits for the platform's tools: CDEvents of what changed in each environment,
 * derived from the evidence records the orchestration worker appends.
 */
export const EventsConfig = z
  .strictObject({
    source: z
      .string()
      .min(1)
      .default('tollgate')
      .describe('context.source of every event: which Tollgate installation sent it'),
    cdevents: z.array(CdEventsSink).default([]).describe('HTTP sinks that receive CDEvents'),
  })
  .default({ source: 'tollgate', cdevents: [] })
  .describe('events Tollgate emits for platform tools (CDEvents)');
export type EventsConfig = z.infer<typeof EventsConfig>;
