/**
 * The local router's added latency: the same healthy sample-app process called directly and
 * through the router, requests interleaved one by one over keep-alive connections, in one run.
 *   TOLLGATE_BENCH_ROUTER_REQUESTS (default 3000)  requests per path
 */
import http from 'node:http';
import { quantile, distributionOf } from '../../src/canary/statistics.js';
import { sampleAppTarget } from '../targets/sample-app.js';
import type { BenchResult } from './types.js';

const REQUESTS = Number(process.env.TOLLGATE_BENCH_ROUTER_REQUESTS ?? 3000);
const WARMUP = 200;
const artifacts = [{ name: 'app', ref: 'example/app:1', digest: `sha256:${'f'.repeat(64)}` }];

function timedGet(url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.once('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      })
      .once('error', reject);
  });
}

export async function run(): Promise<BenchResult[]> {
  const { target } = await sampleAppTarget({ stage: 'bench' });
  try {
    const serving = await target.deploy({
      key: 'bench/deploy',
      app: 'shop',
      version: '1.0.0',
      artifacts,
      mode: 'replace',
    });
    const appPort = (await target.operationLog())[0]!.detail!.port as number;
    const direct = `http://127.0.0.1:${appPort}/`;
    const routed = `${serving.endpoint!.url}/`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < WARMUP; i++) {
      await timedGet(direct, agent);
      await timedGet(routed, agent);
    }
    const directMs: number[] = [];
    const routedMs: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      directMs.push(await timedGet(direct, agent));
      routedMs.push(await timedGet(routed, agent));
    }
    agent.destroy();
    const d = distributionOf(directMs);
    const r = distributionOf(routedMs);
    const round = (v: number) => Number(v.toFixed(3));
    return (
      [
        ['p50', 0.5],
        ['p99', 0.99],
      ] as const
    ).map(([label, q]) => {
      const viaRouter = quantile(r, q);
      const baseline = quantile(d, q);
      return {
        name: `router latency ${label} (sample app through the local router vs direct)`,
        unit: 'ms',
        value: round(viaRouter),
        baseline: round(baseline),
        ratio: round(viaRouter / baseline),
        details: {
          addedMs: round(viaRouter - baseline),
          requestsPerPath: REQUESTS,
          keepAlive: true,
          sequential: true,
        },
      };
    });
  } finally {
    await target.close();
  }
}
