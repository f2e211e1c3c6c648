/**
 * The local target's Prometheus endpoint: the routers' metrics at `/metrics` on a port of its
 * own, so an app's own `/metrics` stays reachable through its router.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TargetError } from '../target.js';
import type { RouterMetrics } from './router-metrics.js';

export class MetricsEndpoint {
  private readonly server = http.createServer((req, res) => void this.serve(req, res));

  constructor(private readonly metrics: RouterMetrics) {}

  /** Listens on 127.0.0.1:`port` (0: a free port); returns the port. */
  async listen(port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (err) =>
        reject(
          new TargetError(
            `the local target's metrics endpoint cannot listen on 127.0.0.1:${port}: ${err.message}`,
            true,
          ),
        ),
      );
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops listening; with `dropConnections`, open keep-alive connections are closed too. */
  close(dropConnections = true): Promise<void> {
    return new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      if (dropConnections) this.server.closeAllConnections();
    });
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('the local target serves /metrics only\n');
      return;
    }
    res
      .writeHead(200, { 'content-type': this.metrics.registry.contentType })
      .end(await this.metrics.registry.metrics());
  }
}
