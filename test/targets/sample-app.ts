/**
 * Shared by the target and canary tests: a local target running the sample app, and readers for
 * what its router reports.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/logging/logger.js';
import { projectRoot } from '../../src/paths.js';
import { LocalTargetConfig } from '../../src/targets/config.js';
import { LocalTarget } from '../../src/targets/local/local-target.js';
import { ROUTER_METRICS } from '../../src/targets/local/metric-names.js';

export const SAMPLE_APP = path.join(projectRoot, 'deploy/examples/sample-app/server.js');
/** What a release of the sample app pins: the local target refuses server.js under any other digest. */
export const SAMPLE_APP_DIGEST = `sha256:${createHash('sha256').update(readFileSync(SAMPLE_APP)).digest('hex')}`;
export const SAMPLE_APP_COMMAND = [
  process.execPath,
  SAMPLE_APP,
  '--port',
  '{port}',
  '--version',
  '{version}',
];

export const testLogger = createLogger({
  level: process.env.TOLLGATE_TEST_LOG_LEVEL ?? 'warn',
  pretty: false,
});

export function tempDir(prefix = 'tollgate-target-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function sampleAppTarget(opts: { trafficRps?: number; stateDir?: string; stage?: string } = {}) {
  const stateDir = opts.stateDir ?? (await tempDir());
  const config = LocalTargetConfig.parse({
    type: 'local',
    command: SAMPLE_APP_COMMAND,
    trafficRps: opts.trafficRps ?? 0,
  });
  const target = new LocalTarget(config, { stage: opts.stage ?? 'test', stateDir, logger: testLogger });
  return { target, stateDir };
}

export interface VersionCounts {
  requests: number;
  errors: number;
}

/** Per-version request and error counters from the router's Prometheus endpoint. */
export async function routerCounts(metricsUrl: string, app: string): Promise<Map<string, VersionCounts>> {
  const text = await (await fetch(metricsUrl)).text();
  const counts = new Map<string, VersionCounts>();
  const line = /^(\w+)\{app="([^"]*)",version="([^"]*)"\} (\S+)$/;
  for (const row of text.split('\n')) {
    const m = line.exec(row);
    if (!m || m[2] !== app) continue;
    const entry = counts.get(m[3]!) ?? { requests: 0, errors: 0 };
    if (m[1] === ROUTER_METRICS.requests) entry.requests = Number(m[4]);
    if (m[1] === ROUTER_METRICS.errors) entry.errors = Number(m[4]);
    counts.set(m[3]!, entry);
  }
  return counts;
}

export interface LoadReport {
  byVersion: Map<string, { ok: number; failed: number }>;
  /** Requests that got no HTTP answer at all (connection refused or reset). */
  dropped: number;
}

/**
 * A client of the app: `concurrency` loops sending requests through the router until `stop()`,
 * tallying which version answered and how.
 */
export function startLoad(url: string, concurrency = 4) {
  const report: LoadReport = { byVersion: new Map(), dropped: 0 };
  let running = true;
  const loop = async () => {
    while (running) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        await res.arrayBuffer();
        const version = res.headers.get('x-tollgate-version') ?? '(none)';
        const tally = report.byVersion.get(version) ?? { ok: 0, failed: 0 };
        if (res.ok) tally.ok++;
        else tally.failed++;
        report.byVersion.set(version, tally);
      } catch {
        report.dropped++;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    report,
    async stop(): Promise<LoadReport> {
      running = false;
      await Promise.all(loops);
      return report;
    },
  };
}
