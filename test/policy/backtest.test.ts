import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openFileBlobStore } from '../../src/ledger/blob-store-file.js';
import { openFileLedger } from '../../src/ledger/file-store.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import type { Release } from '../../src/domain/release.js';
import { backtest } from '../../src/policy/backtest.js';
import { sinceTime as sinceDate } from '../../src/domain/since.js';
import { createPolicyEngine, type PolicyEngine } from '../../src/policy/engine.js';
import {
  builtInPacks,
  captureLogger,
  fixtureEngine,
  fixtureRelease,
  fixtures,
  fixtureSettings,
  request,
} from './helpers.js';

const DAY = 86_400_000;
const now = Date.now();
const at = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
const system = { id: 'tollgate', channel: 'system' as const };

/** Records a promotion the way the workflow does: promotion.started, then one policy.evaluated per gate reached. */
async function recordPromotion(
  ledger: Ledger,
  engine: PolicyEngine,
  opts: { id: string; release: Release; daysAgo: number; gates: string[]; recordedPassed?: boolean },
): Promise<void> {
  const time = at(opts.daysAgo);
  await ledger.append({
    chainId: opts.id,
    seq: 0,
    promotionId: opts.id,
    type: 'promotion.started',
    actor: system,
    time,
    data: {
      release: opts.release,
      releaseDigest: `sha256:${'1'.repeat(64)}`,
      pipeline: 'web',
      stages: ['staging', 'prod'],
    },
  });
  for (const [i, stage] of opts.gates.entries()) {
    const evaluation = await engine.evaluate(request(opts.release, stage, { promotionId: opts.id, time }));
    await ledger.append({
      chainId: opts.id,
      seq: i + 1,
      promotionId: opts.id,
      stage,
      type: 'policy.evaluated',
      actor: system,
      time,
      data: { ...evaluation, passed: opts.recordedPassed ?? evaluation.passed },
    });
  }
}

void describe('policy backtest over the file ledger', () => {
  let dir: string;
  let ledger: Ledger;
  let engine: PolicyEngine;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tollgate-backtest-'));
    ledger = await openFileLedger(dir, captureLogger().logger);
    // Ignores that never expire, so the recorded facts do not depend on today's date.
    engine = await fixtureEngine((s) => ({
      ...s,
      vulnerabilities: {
        ignore: [
          { id: 'GHSA-3h5v-q93c-6h6q', package: 'ws', reason: 'dev-only dependency', expires: '2999-01-01' },
        ],
      },
    }));
    const checkout = await fixtureRelease('checkout.yaml');
    await recordPromotion(ledger, engine, {
      id: 'p-good',
      release: checkout,
      daysAgo: 3,
      gates: ['staging', 'prod'],
    });
    // Older packs let the mutable tag through: the record says it passed.
    await recordPromotion(ledger, engine, {
      id: 'p-tag',
      release: await fixtureRelease('checkout-mutable-tag.yaml'),
      daysAgo: 5,
      gates: ['staging'],
      recordedPassed: true,
    });
    await recordPromotion(ledger, engine, {
      id: 'p-old',
      release: await fixtureRelease('checkout-mutable-tag.yaml'),
      daysAgo: 45,
      gates: ['staging'],
    });
    // No gate recorded (it failed earlier): facts are recomputed from the evidence files, which use absolute paths.
    const releases = path.join(fixtures, 'releases');
    const absolute: Release = {
      ...checkout,
      evidence: {
        provenance: path.join(releases, checkout.evidence.provenance!),
        sbom: path.join(releases, checkout.evidence.sbom!),
        vulnerabilities: checkout.evidence.vulnerabilities.map((f) => path.join(releases, f)),
        deploymentManifests: [path.join(releases, '../k8s/insecure.yaml')],
      },
    };
    await recordPromotion(ledger, engine, { id: 'p-insecure', release: absolute, daysAgo: 1, gates: [] });
    await ledger.appendNext({
      chainId: 'security:p-good',
      promotionId: 'p-good',
      type: 'security.refused',
      actor: system,
      time: at(2),
      data: { reason: 'test' },
    });
  });

  after(async () => {
    await ledger.close();
    await rm(dir, { recursive: true });
  });

  void it('lists the recorded promotions of the window and which ones the packs would have blocked, and where', async () => {
    const report = await backtest({ ledger, engine, since: sinceDate('30d', new Date(now)) });
    assert.deepEqual(
      report.results.map((r) => [r.promotionId, r.wouldBlock, r.blockedAt]),
      [
        ['p-tag', true, 'staging'],
        ['p-good', false, null],
        ['p-insecure', true, 'staging'],
      ],
    );
    assert.equal(report.wouldBlock, 2);
    const tag = report.results.find((r) => r.promotionId === 'p-tag')!;
    assert.deepEqual(
      tag.stages.map((s) => [s.stage, s.passedThen, s.wouldPass, s.factsSource]),
      [['staging', true, false, 'recorded']],
    );
    assert.deepEqual(
      tag.stages[0]!.failedRules.map((r) => r.ruleId),
      ['images-digest-pinned'],
    );
    const insecure = report.results.find((r) => r.promotionId === 'p-insecure')!;
    assert.deepEqual(
      insecure.stages.map((s) => s.factsSource),
      ['recomputed', 'recomputed'],
    );
    assert.ok(insecure.stages[0]!.failedRules.some((r) => r.ruleId === 'no-privileged-containers'));
    const good = report.results.find((r) => r.promotionId === 'p-good')!;
    assert.deepEqual(
      good.stages.map((s) => [s.stage, s.wouldPass]),
      [
        ['staging', true],
        ['prod', true],
      ],
    );
  });

  void it('widens the window with --since', async () => {
    const report = await backtest({ ledger, engine, since: sinceDate('60d', new Date(now)) });
    assert.deepEqual(
      report.results.map((r) => r.promotionId),
      ['p-old', 'p-tag', 'p-good', 'p-insecure'],
    );
  });

  void it('refuses a --since that is not a duration', () => {
    assert.throws(
      () => sinceDate('last month', new Date(now)),
      /--since last month: give a duration such as 24h or 7d, or a date/,
    );
  });
});

void describe('policy backtest over stored evidence', () => {
  void it('judges a promotion that stored its evidence on those bytes again, so new checks see old evidence', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-backtest-blobs-'));
    const ledger = await openFileLedger(dir, captureLogger().logger);
    try {
      const blobs = openFileBlobStore(dir);
      const store = async (file: string) => blobs.put(await readFile(path.join(fixtures, file)));
      const checkout = await fixtureRelease('checkout.yaml');
      // The paths exist nowhere: only the digests lead to the evidence.
      const release: Release = {
        ...checkout,
        evidence: {
          provenance: '/ci/provenance.json',
          sbom: '/ci/sbom.json',
          vulnerabilities: ['/ci/trivy.json'],
          deploymentManifests: [],
          digests: {
            '/ci/provenance.json': await store('evidence/provenance.dsse.json'),
            '/ci/sbom.json': await store('evidence/sbom.cdx.json'),
            '/ci/trivy.json': await store('scanners/trivy-npm.json'),
          },
        },
      };
      const withBlobs = await createPolicyEngine({
        packDirs: [builtInPacks],
        settings: { ...(await fixtureSettings()), vulnerabilities: { ignore: [] } },
        logger: captureLogger().logger,
        blobs,
      });
      const then = await withBlobs.evaluate(
        request(release, 'staging', { promotionId: 'p-stored', packs: ['supply-chain'] }),
      );
      assert.equal(then.passed, true, JSON.stringify(then.rules.filter((r) => r.outcome !== 'pass')));
      // Facts as an engine before issue #27 recorded them: no dependenciesScanned yet.
      const oldVulnerabilities = { ...(then.facts.vulnerabilities as Record<string, unknown>) };
      delete oldVulnerabilities.dependenciesScanned;
      await recordPromotion(ledger, withBlobs, { id: 'p-stored', release, daysAgo: 1, gates: ['staging'] });
      const [started, gate] = await ledger.read('p-stored');
      const oldLedger = await openFileLedger(path.join(dir, 'old'), captureLogger().logger);
      await oldLedger.append({ ...started!, seq: 0 });
      await oldLedger.append({
        ...gate!,
        seq: 1,
        data: { ...gate!.data, facts: { ...then.facts, vulnerabilities: oldVulnerabilities } },
      });

      const withoutBlobs = await createPolicyEngine({
        packDirs: [builtInPacks],
        settings: { ...(await fixtureSettings()), vulnerabilities: { ignore: [] } },
        logger: captureLogger().logger,
      });
      const since = sinceDate('30d', new Date(now));
      const recorded = (await backtest({ ledger: oldLedger, engine: withoutBlobs, since })).results[0]!
        .stages[0]!;
      assert.equal(recorded.factsSource, 'recorded');
      assert.ok(
        recorded.failedRules.some(
          (r) => r.ruleId === 'vulnerability-reports-readable' && r.outcome === 'error',
        ),
      );
      const recomputed = (await backtest({ ledger: oldLedger, engine: withBlobs, since })).results[0]!
        .stages[0]!;
      assert.equal(recomputed.factsSource, 'recomputed');
      assert.ok(
        !recomputed.failedRules.some((r) => r.pack === 'supply-chain'),
        JSON.stringify(recomputed.failedRules),
      );
      await oldLedger.close();
    } finally {
      await ledger.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
