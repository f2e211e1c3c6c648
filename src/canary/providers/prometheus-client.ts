import { z } from 'zod';
import { MetricsQueryError, MetricsUnavailableError } from './provider.js';

/** A sample value as Prometheus encodes it: a string that may be "NaN", "+Inf" or "-Inf". */
const SampleValue = z.tuple([z.number(), z.string()]);

const VectorSample = z.object({ metric: z.record(z.string(), z.string()), value: SampleValue });

const QueryResponse = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: z.array(VectorSample) }),
      z.object({ resultType: z.literal('scalar'), result: SampleValue }),
      z.object({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }),
      z.object({ resultType: z.literal('string'), result: SampleValue }),
    ]),
    warnings: z.array(z.string()).optional(),
  }),
  z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() }),
]);

export interface InstantSample {
  labels: Record<string, string>;
  value: number;
}

export function parseSampleValue(raw: string): number {
  if (raw === '+Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(raw);
}

/**
 * Instant queries over Prometheus' HTTP API (`/api/v1/query`). Every failure to get an answer
 * becomes a MetricsUnavailableError naming the URL and what to check; a query Prometheus rejects
 * becomes a MetricsQueryError carrying Prometheus' own message.
 */
export class PrometheusClient {
  private readonly endpoint: string;

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.endpoint = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();
  }

  async query(expression: string, at: Date): Promise<InstantSample[]> {
    const body = new URLSearchParams({ query: expression, time: (at.getTime() / 1000).toFixed(3) });
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new MetricsUnavailableError(
        `Prometheus at ${this.endpoint} is unreachable: ${describeFetchError(err, this.timeoutMs)}`,
      );
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new MetricsUnavailableError(
        `${this.endpoint} answered HTTP ${response.status} with something that is not the Prometheus API (check canary.metrics.url): ${text.slice(0, 200)}`,
      );
    }
    const parsed = QueryResponse.safeParse(json);
    if (!parsed.success) {
      throw new MetricsUnavailableError(
        `${this.endpoint} answered HTTP ${response.status} with JSON that is not a Prometheus query response (check canary.metrics.url): ${parsed.error.issues[0]?.message ?? ''}`,
      );
    }
    const answer = parsed.data;
    if (answer.status === 'error') {
      const message = `Prometheus rejected the query ${JSON.stringify(expression)}: ${answer.errorType}: ${answer.error}`;
      // Bad queries are the user's to fix; overload, timeouts and internal errors are Prometheus' state.
      if (answer.errorType === 'bad_data') throw new MetricsQueryError(message);
      throw new MetricsUnavailableError(message);
    }
    const data = answer.data;
    if (data.resultType === 'vector')
      return data.result.map((s) => ({ labels: s.metric, value: parseSampleValue(s.value[1]) }));
    if (data.resultType === 'scalar') return [{ labels: {}, value: parseSampleValue(data.result[1]) }];
    throw new MetricsQueryError(
      `the query ${JSON.stringify(expression)} returned a ${data.resultType}; canary analysis needs an instant vector or scalar (drop the range selector or wrap it in a function such as rate())`,
    );
  }

  /** One number: NaN when the query matched nothing; an error when it matched several series. */
  async scalar(expression: string, at: Date): Promise<number> {
    const samples = await this.query(expression, at);
    if (samples.length === 0) return Number.NaN;
    if (samples.length > 1) {
      throw new MetricsQueryError(
        `the query ${JSON.stringify(expression)} returned ${samples.length} series; aggregate it to one (e.g. with sum(...))`,
      );
    }
    return samples[0]!.value;
  }
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
  return cause ?? (err instanceof Error ? err.message : String(err));
}
