/**
 * Delivers CDEvents to the configured HTTP sinks as CloudEvents in binary mode (the CDEvents
 * CloudEvents binding: `ce-type` is the CDEvent type, the body is the whole CDEvent).
 *
 * Delivery happens beside the promotion, never in its way: `send` only queues; each sink has
 * its own queue worked in order, retrying with exponential back-off on a network error, a 429 or
 * a 5xx, up to the sink's `attempts`. An event that cannot be delivered is dropped and logged
 * (without the sink's URL, which may hold a token). Nothing here can fail or slow a promotion.
 */
import { CloudEvent, HTTP } from 'cloudevents';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveSecret } from '../chat/config.js';
import { durationMs } from '../domain/duration.js';
import type { Logger } from '../logging/logger.js';
import type { CdEvent } from './cdevents.js';
import type { CdEventsSink } from './config.js';

export interface CdEventsSender {
  /** Queues the events for every sink; returns at once. */
  send(events: CdEvent[]): void;
  /** Waits until the queues are empty or `withinMs` has passed (shutdown). */
  drain(withinMs: number): Promise<void>;
}

interface ResolvedSink {
  name: string;
  url: string;
  token?: string;
  attempts: number;
  timeoutMs: number;
}

export async function createCdEventsSender(
  sinks: CdEventsSink[],
  deps: { logger: Logger; firstRetryMs?: number },
): Promise<CdEventsSender> {
  const resolved: ResolvedSink[] = await Promise.all(
    sinks.map(async (s, i) => ({
      name: s.name,
      url: typeof s.url === 'string' ? s.url : await resolveSecret(s.url, `events.cdevents[${i}].url`),
      ...(s.token ? { token: await resolveSecret(s.token, `events.cdevents[${i}].token`) } : {}),
      attempts: s.attempts,
      timeoutMs: durationMs(s.timeout),
    })),
  );
  const firstRetryMs = deps.firstRetryMs ?? 500;
  const logger = deps.logger.child({ component: 'cdevents' });
  const queues = new Map<string, Promise<void>>(resolved.map((s) => [s.name, Promise.resolve()]));

  async function deliver(sink: ResolvedSink, event: CdEvent): Promise<void> {
    const message = HTTP.binary(
      new CloudEvent({
        specversion: '1.0',
        id: event.context.id,
        source: event.context.source,
        type: event.context.type,
        time: event.context.timestamp,
        datacontenttype: 'application/json',
        data: event,
      }),
    );
    const headers: Record<string, string> = Object.fromEntries(
      Object.entries(message.headers).map(([k, v]) => [k, String(v)]),
    );
    if (sink.token) headers.authorization = `Bearer ${sink.token}`;
    let failure = '';
    for (let attempt = 1; attempt <= sink.attempts; attempt++) {
      try {
        const res = await fetch(sink.url, {
          method: 'POST',
          headers,
          body: message.body as string,
          signal: AbortSignal.timeout(sink.timeoutMs),
        });
        await res.body?.cancel();
        if (res.ok) return;
        failure = `HTTP ${res.status}`;
        if (res.status !== 429 && res.status < 500) break;
      } catch (err) {
        failure = (err as Error).message;
      }
      if (attempt < sink.attempts) await sleep(Math.min(firstRetryMs * 2 ** (attempt - 1), 30_000));
    }
    logger.warn(
      { sink: sink.name, type: event.context.type, id: event.context.id, failure },
      'CDEvent not delivered; the promotion is unaffected',
    );
  }

  return {
    send(events) {
      for (const sink of resolved) {
        const tail = queues.get(sink.name)!;
        queues.set(
          sink.name,
          tail.then(async () => {
            for (const event of events) await deliver(sink, event);
          }),
        );
      }
    },
    async drain(withinMs) {
      await Promise.race([Promise.all(queues.values()), sleep(withinMs)]);
    },
  };
}
