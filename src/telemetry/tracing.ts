/**
 * Tracing of a Tollgate worker process. Spans are exported over OTLP/HTTP when the standard
 * OpenTelemetry variables name a collector (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, with `OTEL_EXPORTER_OTLP_HEADERS` for its credentials);
 * otherwise nothing is traced and nothing is exported. Tests hand in their own exporter.
 *
 * The tracer provider is this process's own, not the global one: nothing else in the process
 * starts sending spans because Tollgate traces.
 */
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface Tracing {
  tracer: Tracer;
  /** Exports what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

export function otlpConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * @param role what this process is (`orchestration`, `stage-prod`), recorded as `tollgate.worker.role`.
 * @param exporter defaults to OTLP/HTTP configured from the environment.
 */
export function startTracing(opts: { role: string; version: string; exporter?: SpanExporter }): Tracing {
  const provider = new BasicTracerProvider({
    resource: new Resource({
      [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME ?? 'tollgate',
      [ATTR_SERVICE_VERSION]: opts.version,
      'tollgate.worker.role': opts.role,
    }),
    spanProcessors: [new BatchSpanProcessor(opts.exporter ?? new OTLPTraceExporter())],
  });
  return {
    tracer: provider.getTracer('tollgate'),
    shutdown: () => provider.shutdown(),
  };
}
