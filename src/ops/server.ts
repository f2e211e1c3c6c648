/**
 * The operations endpoint of a long-running Tollgate process (`tollgate worker --ops-port`):
 * `/healthz` (the process answers: Kubernetes' liveness probe), `/readyz` (every worker polls
 * its task queue: readiness, so a rolling update waits for the new pod) and `/metrics`
 * (Prometheus text format of the given registry). It serves nothing else and reads no input
 * but the path, so it can listen where the cluster's scraper reaches it.
 */
import Fastify from 'fastify';
import type { Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  /** Why the process is not ready, for the probe's log and a person running curl. */
  reason?: string;
}

export interface OpsServer {
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  url: string;
  close(): Promise<void>;
}

export async function startOpsServer(opts: {
  port: number;
  host: string;
  readiness: () => Readiness;
  registry: Registry;
}): Promise<OpsServer> {
  const app = Fastify({ logger: false });
  app.get('/healthz', (_req, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', (_req, reply) => {
    const r = opts.readiness();
    return r.ready
      ? reply.send({ status: 'ready' })
      : reply.code(503).send({ status: 'not ready', reason: r.reason ?? 'starting' });
  });
  app.get('/metrics', async (_req, reply) =>
    reply.header('content-type', opts.registry.contentType).send(await opts.registry.metrics()),
  );
  const url = await app.listen({ port: opts.port, host: opts.host });
  return { url, close: () => app.close() };
}
