import { z } from 'zod';
import { SecretRef } from '../chat/config.js';
import { Duration } from '../domain/common.js';

/** One HTTP endpoint that receives CDEvents (CloudEvents binary mode), e.g. a CDviz or Keptn collector. */
export const CdEventsSink = z.object({
  name: z.string().min(1),
  /** The URL may itself carry a token, so it may come from a secret. */
  url: z.union([z.url({ protocol: /^https?$/ }), SecretRef]),
  /** Sent as `Authorization: Bearer <token>` when set. */
  token: SecretRef.optional(),
  /** Deliveries tried per event before it is dropped (and logged). */
  attempts: z.number().int().min(1).max(20).default(6),
  /** Each attempt's time limit. */
  timeout: Duration.default('5s'),
});
export type CdEventsSink = z.infer<typeof CdEventsSink>;

/**
 * Events Tollgate emits for the platform's tools: CDEvents of what changed in each environment,
 * derived from the evidence records the orchestration worker appends.
 */
export const EventsConfig = z
  .object({
    /** `context.source` of every event: which Tollgate installation sent it. */
    source: z.string().min(1).default('tollgate'),
    cdevents: z.array(CdEventsSink).default([]),
  })
  .default({ source: 'tollgate', cdevents: [] });
export type EventsConfig = z.infer<typeof EventsConfig>;
