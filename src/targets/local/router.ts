import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../logging/logger.js';
import type { RouterMetrics } from './router-metrics.js';

export interface Upstream {
  version: string;
  port: number;
}

export interface Routes {
  stable?: Upstream;
  /** Gets `weight` percent of requests; all of them when there is no stable version. */
  canary?: Upstream & { weight: number };
}

/** Headers that describe one connection, not the message: never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

const UPSTREAM_TIMEOUT_MS = 30_000;

/**
 * The weighted reverse proxy in front of one app's versions. The route table is replaced as a
 * whole, so a weight change only affects requests that arrive afterwards; requests in flight
 * finish on the version they started on, and `drained()` lets a version be stopped only once its
 * last request is answered. Each response carries `x-tollgate-version`.
 */
export class Router {
  private routes: Routes = {};
  /** Smooth weighting: the canary gets exactly `weight` of every 100 requests, not just on average. */
  private credit = 0;
  private readonly inflight = new Map<string, number>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly server: http.Server;

  constructor(
    private readonly app: string,
    private readonly metrics: RouterMetrics,
    private readonly logger: Logger,
  ) {
    this.server = http.createServer((req, res) => this.forward(req, res));
    this.server.keepAliveTimeout = 5_000;
  }

  async listen(port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  setRoutes(routes: Routes): void {
    for (const upstream of [routes.stable, routes.canary])
      if (upstream) this.metrics.track(this.app, upstream.version);
    this.routes = structuredClone(routes);
    this.credit = 0;
  }

  /** Resolves once no request is in flight to `version` (or after `timeoutMs`, reporting how many were cut off). */
  async drained(version: string, timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while ((this.inflight.get(version) ?? 0) > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    return this.inflight.get(version) ?? 0;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.agent.destroy();
  }

  private pick(): Upstream | undefined {
    const { stable, canary } = this.routes;
    if (!canary) return stable;
    if (!stable) return canary;
    this.credit += canary.weight;
    if (this.credit >= 100) {
      this.credit -= 100;
      return canary;
    }
    return stable;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const upstream = this.pick();
    if (!upstream) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end(`no version of ${this.app} is serving\n`);
      return;
    }
    const started = performance.now();
    const { version } = upstream;
    this.inflight.set(version, (this.inflight.get(version) ?? 0) + 1);
    let deliveryFailed = false;

    const proxied = http.request({
      host: '127.0.0.1',
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...withoutHopByHop(req.headers), 'x-forwarded-for': req.socket.remoteAddress ?? '' },
      agent: this.agent,
      timeout: UPSTREAM_TIMEOUT_MS,
    });
    proxied.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, {
        ...withoutHopByHop(answer.headers),
        'x-tollgate-version': version,
      });
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    proxied.on('timeout', () => proxied.destroy(new Error(`no answer within ${UPSTREAM_TIMEOUT_MS} ms`)));
    proxied.on('error', (err) => {
      deliveryFailed = true;
      this.logger.debug({ app: this.app, version, err: err.message }, 'router could not reach version');
      if (!res.headersSent) {
        res
          .writeHead(502, { 'content-type': 'text/plain', 'x-tollgate-version': version })
          .end(`version ${version} of ${this.app} did not answer: ${err.message}\n`);
      } else res.destroy();
    });
    req.pipe(proxied);

    res.on('close', () => {
      this.inflight.set(version, (this.inflight.get(version) ?? 1) - 1);
      // A client that hung up before the answer says nothing about the version: not recorded.
      if (!res.writableFinished && !deliveryFailed) return;
      this.metrics.record(
        this.app,
        version,
        performance.now() - started,
        deliveryFailed || res.statusCode >= 500,
      );
    });
  }
}

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}
