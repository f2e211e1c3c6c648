/**
 * `tollgate canary backtest <template>` against a real file ledger holding analyses the analyzer
 * made: a verdict the stricter template would change is listed with its new reason; analyses
 * recorded without measurements are counted but not judged again.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createAnalyzer } from '../../src/canary/analyzer.js';
import { CanaryConfig } from '../../src/canary/config.js';
import type { AnalysisResult } from '../../src/canary/types.js';
import type { Actor, EvidenceInput } from '../../src/domain/evidence.js';
import { createLedger } from '../../src/ledger/create.js';
import { createLogger } from '../../src/logging/logger.js';
import type { Target, VersionTraffic } from '../../src/targets/target.js';
import { tollgateProcess, writeConfig } from '../cli/support.js';
import { sampleRelease } from '../ledger/samples.js';

const SYSTEM: Actor = { id: 'tollgate', channel: 'system' };
const logger = createLogger({ level: 'error', pretty: false });
const spread = (n: number, from: number, to: number) =>
  Array.from({ length: n }, (_, i) => from + ((to - from) * i) / n);

let dir: string;
let env: NodeJS.ProcessEnv;

/** An analysis made by the real analyzer on recorded traffic: a 2 ms service now taking 20 ms. */
async function tenTimesSlower(config: unknown): Promise<AnalysisResult> {
  const traffic: Record<string, VersionTraffic> = {
    '2.0.0': { requests: 300, errors: 0, latenciesMs: spread(300, 19, 21) },
    '1.0.0': { requests: 900, errors: 0, latenciesMs: spread(900, 1.9, 2.1) },
  };
  const target = {
    trafficIn: async ({ version }: { version: string }) => traffic[version]!,
  } as unknown as Target;
  return createAnalyzer({ logger, retryDelaysMs: [] }).analyze({
    app: 'shop',
    stage: 'prod',
    canaryVersion: '2.0.0',
    baselineVersion: '1.0.0',
    step: 1,
    weight: 25,
    config: CanaryConfig.parse(config),
    window: { start: '2026-12-01T10:00:00.000Z', end: '2026-12-01T10:01:00.000Z' },
    target,
  });
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tollgate-canary-backtest-'));
  const configFile = await writeConfig(dir, [
    { name: 'prod', target: { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } } },
  ]);
  env = {
    PATH: process.env.PATH,
    HOME: dir,
    TOLLGATE_HOME: path.join(dir, 'home'),
    TOLLGATE_CONFIG: configFile,
  };
  // What the judge before #26 let through: an absolute 50 ms tolerance on the shift.
  const lenient = await tenTimesSlower({
    steps: [{ weight: 25, bake: '60s' }],
    compareToBaseline: { maxLatencyShiftMs: 50 },
  });
  assert.equal(lenient.verdict, 'pass', lenient.reason);
  const legacy: Partial<AnalysisResult> = { ...lenient };
  delete legacy.measured;
  const ledger = await createLedger({ type: 'file', path: path.join(dir, 'ledger') }, { logger });
  const records: [EvidenceInput['type'], Record<string, unknown>][] = [
    ['promotion.started', { release: sampleRelease('shop', '2.0.0'), pipeline: 'default', stages: ['prod'] }],
    ['canary.analysis', lenient],
    ['canary.analysis', { ...legacy, step: 2 }],
  ];
  for (const [seq, [type, data]] of records.entries())
    await ledger.append({
      chainId: 'p-slow',
      seq,
      promotionId: 'p-slow',
      ...(type === 'canary.analysis' ? { stage: 'prod' } : {}),
      type,
      actor: SYSTEM,
      time: new Date(Date.now() - 60_000 + seq * 1000).toISOString(),
      data,
      controls: [],
    });
  await ledger.close();
});
after(() => rm(dir, { recursive: true, force: true }));

void test('a stricter template lists the recorded pass it would have failed, with the reason', async () => {
  const template = path.join(dir, 'default-template.yaml');
  await writeFile(template, 'minSamples: 50\n');
  const run = await tollgateProcess(['canary', 'backtest', template, '--since', '1d'], env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /2 analyses, 1 judged again, 1 would change/);
  assert.match(
    run.stdout,
    /CHANGE p-slow shop 2\.0\.0 prod step 1: pass → fail: latency-vs-baseline: latency shift over baseline beyond the tolerance .*tolerated \+5 ms/,
  );
  const all = await tollgateProcess(['canary', 'backtest', template, '--all', '--json'], env);
  const report = JSON.parse(all.stdout) as {
    rows: { step: number; rejudged: string | null; reason: string }[];
  };
  assert.deepEqual(
    report.rows.map((r) => [r.step, r.rejudged]),
    [
      [1, 'fail'],
      [2, null],
    ],
  );
  assert.match(report.rows[1]!.reason, /recorded before analyses kept their measurements/);
});

void test('the same lenient template changes nothing', async () => {
  const template = path.join(dir, 'lenient.yaml');
  await writeFile(template, 'compareToBaseline: { maxLatencyShiftMs: 50 }\n');
  const run = await tollgateProcess(['canary', 'backtest', template], env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /2 analyses, 1 judged again, 0 would change/);
});

void test('a template with a mistake is refused with its position and what to fix', async () => {
  const template = path.join(dir, 'wrong.yaml');
  await writeFile(template, 'compareToBaseline:\n  latency:\n    tolerance: {}\n');
  const run = await tollgateProcess(['canary', 'backtest', template], env);
  assert.equal(run.code, 2);
  assert.match(
    run.stderr,
    /wrong\.yaml:3:\d+ compareToBaseline\.latency\.tolerance: a tolerance needs ratio \(of the baseline\) and\/or absolute/,
  );
});
