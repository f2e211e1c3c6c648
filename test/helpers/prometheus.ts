/**
 * A real Prometheus server for tests: the binary the project provisions (src/provision/prometheus.ts)
 * run as a plain process with
 * its own config, storage in a temporary directory and a free loopback port, scraping the given
 * targets every second. Resolves once every target has been scraped; stopped by PID.
 *
 *   const prom = await startPrometheus({ scrape: ['127.0.0.1:9464'] });
 *   after(() => prom.stop());
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { findPrometheus } from '../../src/provision/prometheus.js';

export interface PrometheusServer {
  url: string;
  pid: number;
  /** Resolves once Prometheus has scraped every target at least `times` times since the call. */
  waitForScrapes(times?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrometheus(opts: {
  scrape: string[];
  intervalSeconds?: number;
}): Promise<PrometheusServer> {
  const binary = await findPrometheus();
  const interval = `${opts.intervalSeconds ?? 1}s`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  await writeFile(
    configFile,
    stringify({
      global: { scrape_interval: interval, evaluation_interval: interval },
      scrape_configs: [
        {
          job_name: 'tollgate-router',
          scrape_interval: interval,
          scrape_timeout: interval,
          static_configs: [{ targets: opts.scrape }],
        },
      ],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`Prometheus exited with code ${child.exitCode} while starting: ${stderr}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Prometheus did not become ready at ${url} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const server: PrometheusServer = {
    url,
    pid: child.pid!,
    async waitForScrapes(times = 1) {
      const since = Date.now();
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        const res = await fetch(`${url}/api/v1/targets`);
        const body = (await res.json()) as {
          data: { activeTargets: { health: string; lastScrape: string }[] };
        };
        const targets = body.data.activeTargets;
        const scrapedSince = targets.every(
          (t) => t.health === 'up' && Date.parse(t.lastScrape) >= since + (times - 1) * 1000,
        );
        if (targets.length === opts.scrape.length && scrapedSince) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`Prometheus at ${url} did not scrape ${opts.scrape.join(', ')} within 30 s`);
    },
    stop,
  };
  // Prometheus hands new scrape targets to its scrape loop only every 5 s: wait for the first scrape.
  await server.waitForScrapes(1).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return server;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
