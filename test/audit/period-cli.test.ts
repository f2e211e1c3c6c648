/** `tollgate audit report --since … --until …`, run as users run it (the built CLI). */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createLedger } from '../../src/ledger/create.js';
import { createLogger } from '../../src/logging/logger.js';
import { tollgateProcess, writeConfig } from '../cli/support.js';
import { promotionChain } from '../ledger/samples.js';

const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-period-cli-'));
let config: string;
const run = (...args: string[]) =>
  tollgateProcess(['--config', config, 'audit', 'report', ...args], process.env);

before(async () => {
  config = await writeConfig(dir, [
    { name: 'prod', target: { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } } },
  ]);
  const ledger = await createLedger(
    { type: 'file', path: path.join(dir, 'ledger') },
    { logger: createLogger({ level: 'error', pretty: false }) },
  );
  for (const [id, scenario, day] of [
    ['p-1', 'approved', '02'],
    ['p-2', 'rolled-back', '03'],
    ['p-3', 'rejected', '04'],
  ] as const)
    for (const input of promotionChain(id, scenario, { start: new Date(`2026-03-${day}T09:00:00Z`) }))
      await ledger.append(input);
  await ledger.close();
});
after(() => rm(dir, { recursive: true, force: true }));

void test('a period report: verdict first, exceptions, the sample with its seed, DORA figures', async () => {
  const r = await run('--since', '2026-03-01', '--until', '2026-04-01', '--stage', 'prod', '--seed', 's1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^# Changes to prod from 2026-03-01 to 2026-04-01: audit report\n\n\*\*Verdict: NOT MET: /,
  );
  assert.match(r.stdout, /## Exceptions \(2 of 3 changes\)/);
  assert.match(r.stdout, /sample: 3 drawn with seed s1 \(repeat with --seed s1\)/);
  assert.match(r.stdout, /\| change failure rate \| 50\.0 % \(1 of 2\) \|/);
  const again = await run(
    '--since',
    '2026-03-01',
    '--until',
    '2026-04-01',
    '--stage',
    'prod',
    '--seed',
    's1',
  );
  assert.equal(again.stdout, r.stdout);
});

void test('--format oscal --out writes the assessment results and prints the seed', async () => {
  const out = path.join(dir, 'q1.oscal.json');
  const r = await run('--since', '2026-03-01', '--until', '2026-04-01', '--format', 'oscal', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /q1\.oscal\.json: 3 change\(s\), sample seed [0-9a-f]{16}/);
  const doc = JSON.parse(await readFile(out, 'utf8')) as {
    'assessment-results': { results: { observations: unknown[] }[] };
  };
  assert.equal(doc['assessment-results'].results[0]!.observations.length, 3);
});

void test('bad arguments say what to fix and exit 2', async () => {
  for (const [args, message] of [
    [['--since', '2026-03-01'], /a period report needs both --since and --until/],
    [[], /give a promotion id, or --since and --until for a period report/],
    [['p-1', '--format', 'oscal'], /--format oscal: OSCAL assessment results cover a period/],
    [['--since', '2026-03-01', '--until', '2026-04-01', '--sample', 'x'], /--sample x: give a whole number/],
    [['--since', 'yesterday', '--until', '2026-04-01'], /--since yesterday: not an ISO-8601 time/],
  ] as const) {
    const r = await run(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, message);
  }
});
