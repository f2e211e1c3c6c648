/**
 * The demo's releases carry build evidence an auditor can check: a real CycloneDX SBOM of the
 * sample app and SLSA provenance of server.js in a DSSE envelope signed with the key the demo
 * config trusts. Evaluated by the real policy engine as the demo's prod gate would, the
 * third-party row of the report is met; a release whose file changed after signing is not.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { buildReport } from '../../src/audit/report/model.js';
import { readReleaseFile } from '../../src/config/release-file.js';
import type { Release } from '../../src/domain/release.js';
import { createLogger } from '../../src/logging/logger.js';
import { createPolicyEngine } from '../../src/policy/engine.js';
import { projectRoot } from '../../src/paths.js';
import { goodChain } from './chains.js';
import type { EvidenceRecord } from '../../src/domain/evidence.js';

const examples = path.join(projectRoot, 'deploy', 'examples');
const config = parse(await readFile(path.join(examples, 'tollgate.yaml'), 'utf8')) as {
  policyPackDirs: string[];
  policy: Record<string, unknown>;
  pipelines: { stages: { name: string; policy: { packs: string[] } }[] }[];
};
const engine = await createPolicyEngine({
  packDirs: config.policyPackDirs.map((d) => path.resolve(projectRoot, d)),
  settings: config.policy,
  logger: createLogger({ level: 'error', pretty: false }),
});
const prodPacks = config.pipelines[0]!.stages.find((s) => s.name === 'prod')!.policy.packs;

const evaluate = (release: Release) =>
  engine.evaluate({
    promotionId: 'p-demo',
    stage: 'prod',
    release,
    releaseDigest: `sha256:${'ab'.repeat(32)}`,
    packs: prodPacks,
    time: '2026-12-07T12:00:00Z',
  });

/** The report's third-party row for a chain whose policy records are this evaluation. */
function thirdPartyRow(evaluation: Awaited<ReturnType<typeof evaluate>>) {
  const records = goodChain().map((r) =>
    r.type === 'policy.evaluated' ? { ...r, data: { ...evaluation, stage: r.stage } } : r,
  );
  const report = buildReport(records as EvidenceRecord[], { sealed: true, archived: ['history.json'] });
  return report.coverage.find((c) => c.id === 'ag-4-third-party')!;
}

void test('sample-app 1.0.0 carries a readable SBOM and verified provenance: third-party vetting met', async () => {
  const release = await readReleaseFile(path.join(examples, 'releases', 'sample-app-1.0.0.yaml'), {
    resolvePaths: true,
  });
  const sbom = JSON.parse(await readFile(release.evidence.sbom!, 'utf8')) as Record<string, unknown>;
  assert.equal(sbom.bomFormat, 'CycloneDX');
  assert.equal((sbom.metadata as { component: { name: string } }).component.name, 'sample-app');
  const evaluation = await evaluate(release);
  const outcome = (id: string) => evaluation.rules.find((r) => r.ruleId === id)?.outcome;
  assert.equal(outcome('sbom-readable'), 'pass');
  assert.equal(outcome('build-provenance-verified'), 'pass');
  assert.equal(evaluation.passed, true, JSON.stringify(evaluation.rules.filter((r) => r.outcome !== 'pass')));
  const row = thirdPartyRow(evaluation);
  assert.equal(row.status, 'met', row.detail);
  assert.match(
    row.detail,
    /SBOM: checked \(sbom-readable\); signed provenance: checked \(build-provenance-verified\)/,
  );
});

void test('a release whose artifact differs from the signed provenance is not vetted', async () => {
  const release = await readReleaseFile(path.join(examples, 'releases', 'sample-app-1.0.0.yaml'), {
    resolvePaths: true,
  });
  const changed = {
    ...release,
    artifacts: release.artifacts.map((a) => ({ ...a, digest: `sha256:${'0'.repeat(64)}` })),
  };
  const evaluation = await evaluate(changed);
  assert.equal(evaluation.rules.find((r) => r.ruleId === 'build-provenance-verified')?.outcome, 'fail');
  const row = thirdPartyRow(evaluation);
  assert.equal(row.status, 'not met');
  assert.match(row.detail, /signed provenance: FAILING build-provenance-verified/);
});
