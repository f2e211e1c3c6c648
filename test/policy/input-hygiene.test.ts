/**
 * Evidence comes from builds the gate does not trust yet: oversized, deeply nested and
 * BOM-prefixed files get an error naming the file and the fix, never a crash or a parser's
 * internal message.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FactContext } from '../../src/policy/facts/context.js';
import { deploymentFacts } from '../../src/policy/facts/deployment-config.js';
import { sbomFacts } from '../../src/policy/facts/sbom.js';
import { vulnerabilityFacts } from '../../src/policy/facts/vulnerabilities.js';
import { PolicySettings, type PolicySettingsInput } from '../../src/policy/settings.js';
import type { Release } from '../../src/domain/release.js';
import {
  evidenceReader,
  fixtureEngine,
  fixtureRelease,
  fixtureSettings,
  fixtures,
  GATE_TIME,
  request,
} from './helpers.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tollgate-hygiene-'));
});
after(async () => rm(dir, { recursive: true, force: true }));

async function context(
  evidence: Partial<Release['evidence']>,
  settings: (s: PolicySettingsInput) => PolicySettingsInput = (s) => s,
): Promise<FactContext> {
  const parsed = PolicySettings.parse(settings(await fixtureSettings()));
  const release = await fixtureRelease('checkout.yaml');
  return {
    release: { ...release, evidence: { ...release.evidence, ...evidence } },
    settings: parsed,
    trustedKeys: [],
    evidence: evidenceReader(parsed, dir),
    time: new Date(GATE_TIME),
  };
}

void describe('evidence input limits', () => {
  void it('refuses a 5 MiB manifest by its size, before parsing it, and says which setting raises the limit', async () => {
    const object = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: big }\ndata:\n';
    const line = '  k: "' + 'x'.repeat(100) + '"\n';
    await writeFile(path.join(dir, 'big.yaml'), object + line.repeat((5 * 1024 * 1024) / line.length));
    const facts = await deploymentFacts(await context({ deploymentManifests: ['big.yaml'] }));
    assert.deepEqual(facts.errors, [
      'evidence.deploymentManifests[0]: big.yaml: the file is 5.0 MiB, larger than the limit of 4.0 MiB (policy.evidence.maxFileBytes): attach a smaller report or raise the limit',
    ]);
    const lowered = await deploymentFacts(
      await context({ deploymentManifests: [path.join(fixtures, 'k8s/checkout.yaml')] }, (s) => ({
        ...s,
        evidence: { maxFileBytes: 1024 },
      })),
    );
    assert.match(
      lowered.errors[0] ?? '',
      /checkout\.yaml: the file is \d+ bytes, larger than the limit of 1024 bytes/,
    );
  });

  void it('reports nesting beyond the depth limit as such, for YAML and JSON', async () => {
    const depth = 5_000;
    await writeFile(
      path.join(dir, 'deep.yaml'),
      `apiVersion: v1\nkind: ConfigMap\ndata: ${'['.repeat(depth)}${']'.repeat(depth)}\n`,
    );
    await writeFile(
      path.join(dir, 'deep.json'),
      `{"bomFormat":"CycloneDX","specVersion":"1.5","components":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    );
    const manifests = await deploymentFacts(await context({ deploymentManifests: ['deep.yaml'] }));
    assert.deepEqual(manifests.errors, [
      'evidence.deploymentManifests[0]: deep.yaml: document 1: nested deeper than 64 levels of objects and arrays (the limit evidence documents may have)',
    ]);
    const sbom = await sbomFacts(await context({ sbom: 'deep.json' }));
    assert.deepEqual(sbom.errors, [
      'evidence.sbom: deep.json: nested deeper than 64 levels of objects and arrays (the limit evidence documents may have)',
    ]);
  });

  void it('reads a report that starts with a UTF-8 byte-order mark and names a UTF-16 one', async () => {
    const trivy = await readFile(path.join(fixtures, 'scanners/trivy-npm.json'));
    await writeFile(path.join(dir, 'bom-utf8.json'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), trivy]));
    await writeFile(
      path.join(dir, 'bom-utf16.json'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(trivy.toString('utf8'), 'utf16le')]),
    );
    const utf8 = await vulnerabilityFacts(await context({ vulnerabilities: ['bom-utf8.json'] }));
    assert.deepEqual([utf8.parseable, utf8.counts.medium], [true, 1]);
    const utf16 = await vulnerabilityFacts(await context({ vulnerabilities: ['bom-utf16.json'] }));
    assert.deepEqual(utf16.errors, [
      'evidence.vulnerabilities[0]: bom-utf16.json: starts with a UTF-16 LE byte-order mark (FF FE): save the file as UTF-8',
    ]);
  });

  void it('turns a hostile file into a failed rule with the reason, not a failed activity', async () => {
    const engine = await fixtureEngine();
    const release = await fixtureRelease('checkout.yaml');
    const evaluation = await engine.evaluate(
      request({
        ...release,
        evidence: { ...release.evidence, deploymentManifests: [path.join(dir, 'deep.yaml')] },
      }),
    );
    const rule = evaluation.rules.find((r) => r.ruleId === 'manifests-present');
    assert.equal(rule?.outcome, 'fail');
    assert.match(rule?.message ?? '', /deep\.yaml: document 1: nested deeper than 64 levels/);
  });
});
