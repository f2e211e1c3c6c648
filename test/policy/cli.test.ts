import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerPolicyCommands } from '../../src/cli/commands/policy.js';
import { openFileLedger } from '../../src/ledger/file-store.js';
import { PolicyEvaluation } from '../../src/policy/types.js';
import { builtInPacks, captureLogger, fixtureRelease, fixtureSettings, releasesDir } from './helpers.js';

interface Run {
  out: string;
  err: string;
  exitCode: number;
}

async function tollgate(args: string[], opts: { json?: boolean; ledgerDir?: string } = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const settings = await fixtureSettings();
  const program = new Command('tollgate')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerPolicyCommands(program, {
    loadConfig: () =>
      Promise.resolve({
        policyPackDirs: [builtInPacks],
        policy: settings,
        ledger: { type: 'file', path: opts.ledgerDir ?? '/nonexistent' },
      }),
    out: (text) => out.push(text),
    json: opts.json ?? false,
  });
  let exitCode = 0;
  try {
    await program.parseAsync(['node', 'tollgate', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    exitCode = e.exitCode;
  }
  return { out: out.join('\n'), err: err.join(''), exitCode };
}

const release = (name: string) => path.join(releasesDir, name);

void describe('tollgate policy CLI', () => {
  void it('policy test prints every rule and exits 0 when the release would pass', async () => {
    const run = await tollgate([
      'policy',
      'test',
      release('assistant.yaml'),
      '--stage',
      'staging',
      '--packs',
      'ai-release,change-management',
    ]);
    assert.equal(run.exitCode, 0, run.err);
    assert.match(run.out, /^assistant 2\.0\.0 → staging: PASSED \(12 rules, 0 failed\)/);
    assert.match(run.out, /PASS {2}ai-release\/transparency-notice \[high\]/);
    assert.match(run.out, /SKIP {2}change-management\/ticket-for-prod .*\n\s+\(applies to stages prod\)/);
  });

  void it('policy test shows why and how to fix each failure and exits 1 for a mutable image tag', async () => {
    const run = await tollgate([
      'policy',
      'test',
      release('checkout-mutable-tag.yaml'),
      '--stage',
      'prod',
      '--packs',
      'supply-chain',
    ]);
    assert.equal(run.exitCode, 1);
    assert.match(run.out, /BLOCKED/);
    assert.match(run.out, /FAIL {2}supply-chain\/images-digest-pinned \[critical\]/);
    assert.match(run.out, /why: not met: not pinned by digest .*checkout:1\.4\.2/);
    assert.match(run.out, /fix: Reference images as <registry>\/<repository>@sha256:<digest>/);
    assert.match(run.out, /controls: ISO27001:A\.8\.9, ISO27001:A\.8\.32/);
    assert.match(run.err, /policy would block checkout 1\.4\.2 at prod/);
  });

  void it('policy test --json prints the evaluation the gate would record', async () => {
    const run = await tollgate(
      ['policy', 'test', release('assistant-no-model-card.yaml'), '--stage', 'prod', '--packs', 'ai-release'],
      { json: true },
    );
    assert.equal(run.exitCode, 1);
    const evaluation = PolicyEvaluation.parse(JSON.parse(run.out));
    const card = evaluation.rules.find((r) => r.ruleId === 'model-card');
    assert.equal(card?.outcome, 'fail');
    assert.ok(card?.controls.includes('EUAIAct:Art.53'));
  });

  void it('reports a broken release manifest or pack directory with exit code 2 and no stack trace', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-cli-'));
    try {
      await writeFile(
        path.join(dir, 'release.yaml'),
        'apiVersion: tollgate.dev/v1\nkind: Release\napp: checkout\nversion: 1.0.0\nartifacts:\n  - name: checkout\n    ref: x\n    digest: sha256:abc\nrequester: me\nchange: { description: d }\n',
      );
      const bad = await tollgate(['policy', 'test', path.join(dir, 'release.yaml'), '--stage', 'prod']);
      assert.equal(bad.exitCode, 2);
      assert.match(bad.err, /release\.yaml:8:13 artifacts\[0\]\.digest: must be sha256:<64 lowercase hex>/);
      assert.doesNotMatch(bad.err, /\n\s+at /);
      const notPacks = await tollgate([
        'policy',
        'test',
        release('checkout.yaml'),
        '--stage',
        'prod',
        '--pack',
        dir,
      ]);
      assert.equal(notPacks.exitCode, 2);
      assert.match(notPacks.err, /release\.yaml:1: not a policy pack \(kind: Release\)/);
      const empty = path.join(dir, 'empty');
      await mkdir(empty);
      const noPacks = await tollgate([
        'policy',
        'test',
        release('checkout.yaml'),
        '--stage',
        'prod',
        '--pack',
        empty,
      ]);
      assert.equal(noPacks.exitCode, 2);
      assert.match(noPacks.err, /no policy pack files \(\*\.yaml\) in this directory/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  void it('policy backtest lists the recorded promotions the packs would have blocked', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-cli-ledger-'));
    try {
      const ledger = await openFileLedger(dir, captureLogger().logger);
      const tag = await fixtureRelease('checkout-mutable-tag.yaml');
      await ledger.append({
        chainId: 'p-77',
        seq: 0,
        promotionId: 'p-77',
        type: 'promotion.started',
        actor: { id: 'tollgate', channel: 'system' },
        time: new Date(Date.now() - 2 * 86_400_000).toISOString(),
        data: {
          release: tag,
          releaseDigest: `sha256:${'2'.repeat(64)}`,
          pipeline: 'web',
          stages: ['staging'],
        },
      });
      await ledger.close();
      const run = await tollgate(['policy', 'backtest', '--since', '7d', '--pack', builtInPacks], {
        ledgerDir: dir,
      });
      assert.equal(run.exitCode, 0, run.err);
      assert.match(run.out, /1 promotions, 1 would have been blocked/);
      assert.match(
        run.out,
        /BLOCK {2}p-77 checkout 1\.4\.2 .* at staging: .*supply-chain\/images-digest-pinned/,
      );
      const wrong = await tollgate(['policy', 'backtest', '--since', 'yesterday'], { ledgerDir: dir });
      assert.equal(wrong.exitCode, 2);
      assert.match(wrong.err, /--since yesterday: give a duration such as 24h or 7d, or a date/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
