/**
 * Scan reports as real tools write them (test/fixtures/policy/scanners, sources in the fixtures'
 * README): one finding per vulnerability across scanners and formats, SARIF per location and by
 * kind, misconfigurations as misconfigurations, SPDX roots through DESCRIBES.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FactContext } from '../../src/policy/facts/context.js';
import { sbomFacts } from '../../src/policy/facts/sbom.js';
import { vulnerabilityFacts } from '../../src/policy/facts/vulnerabilities.js';
import { PolicySettings, type PolicySettingsInput } from '../../src/policy/settings.js';
import { projectRoot } from '../../src/paths.js';
import { evidenceReader, fixtureRelease, fixtureSettings, fixtures, GATE_TIME } from './helpers.js';

const scanners = path.join(fixtures, 'scanners');

async function context(
  evidence: { vulnerabilities?: string[]; sbom?: string },
  settings: (s: PolicySettingsInput) => PolicySettingsInput = (s) => ({
    ...s,
    vulnerabilities: { ignore: [] },
  }),
  baseDir = scanners,
): Promise<FactContext> {
  const parsed = PolicySettings.parse(settings(await fixtureSettings()));
  const release = await fixtureRelease('checkout.yaml');
  return {
    release: { ...release, evidence: { ...release.evidence, ...evidence } },
    settings: parsed,
    trustedKeys: [],
    evidence: evidenceReader(parsed, baseDir),
    time: new Date(GATE_TIME),
  };
}

const ignore = (id: string, pkg?: string) => (s: PolicySettingsInput) => ({
  ...s,
  vulnerabilities: {
    ignore: [
      { id, ...(pkg ? { package: pkg } : {}), reason: 'accepted for the test', expires: '2099-01-01' },
    ],
  },
});

void describe('one finding per vulnerability', () => {
  void it('counts the jQuery advisory Trivy calls CVE-2019-11358 and Grype GHSA-6c3j-c64m-qhgq once', async () => {
    const facts = await vulnerabilityFacts(
      await context({ vulnerabilities: ['trivy-npm.json', 'grype-npm.json'] }),
    );
    assert.deepEqual(facts.counts, { critical: 0, high: 0, medium: 1, low: 0, unknown: 0 });
    assert.deepEqual(
      facts.reports.map((r) => [r.format, r.findings]),
      [
        ['trivy', 1],
        ['grype', 1],
      ],
    );
    assert.equal(facts.dependenciesScanned, true);
  });

  void it('applies an ignore entry to every alias, whichever id it names', async () => {
    for (const id of ['CVE-2019-11358', 'GHSA-6c3j-c64m-qhgq', 'ghsa-6C3J-c64m-qhgq']) {
      const facts = await vulnerabilityFacts(
        await context({ vulnerabilities: ['trivy-npm.json', 'grype-npm.json'] }, ignore(id, 'jquery')),
      );
      assert.deepEqual([facts.counts.medium, facts.ignored], [0, 1], id);
    }
    const otherPackage = await vulnerabilityFacts(
      await context(
        { vulnerabilities: ['trivy-npm.json', 'grype-npm.json'] },
        ignore('CVE-2019-11358', 'lodash'),
      ),
    );
    assert.deepEqual([otherPackage.counts.medium, otherPackage.ignored], [1, 0]);
  });

  void it("counts Trivy's JSON report and its SARIF of the same scan once", async () => {
    const json = await vulnerabilityFacts(await context({ vulnerabilities: ['trivy-alpine.json'] }));
    const both = await vulnerabilityFacts(
      await context({ vulnerabilities: ['trivy-alpine.json', 'trivy-alpine.sarif'] }),
    );
    assert.equal(json.counts.medium, 4, 'two CVEs in libcrypto1.1 and libssl1.1');
    assert.deepEqual(both.counts, json.counts);
    assert.deepEqual(
      both.reports.map((r) => [r.format, r.findings]),
      [
        ['trivy', 4],
        ['sarif', 4],
      ],
    );
  });

  void it('reads the vulnerabilities of a CycloneDX report and correlates them with the JSON report', async () => {
    const cdx = await vulnerabilityFacts(await context({ vulnerabilities: ['trivy-npm.cdx.json'] }));
    assert.deepEqual(cdx.counts, { critical: 0, high: 0, medium: 1, low: 0, unknown: 0 });
    const all = await vulnerabilityFacts(
      await context({ vulnerabilities: ['trivy-npm.cdx.json', 'trivy-npm.json', 'grype-npm.json'] }),
    );
    assert.equal(all.counts.medium, 1);
  });

  void it('names every blocking finding with its aliases, package and reports in the fact errors', async () => {
    const facts = await vulnerabilityFacts(
      await context({ vulnerabilities: ['../evidence/trivy.json', '../evidence/grype.json'] }),
    );
    assert.ok(
      facts.errors.includes(
        'vulnerabilities.counts.high: 2 high: CVE-2024-21538 in cross-spawn@7.0.3, reported by ../evidence/trivy.json; CVE-2024-37890 (GHSA-3h5v-q93c-6h6q) in ws@8.16.0, reported by ../evidence/grype.json',
      ),
      facts.errors.join('\n'),
    );
  });
});

void describe('SARIF and misconfiguration reports', () => {
  void it('counts each ESLint result at its own location, as code scanning without security severity', async () => {
    const facts = await vulnerabilityFacts(await context({ vulnerabilities: ['eslint-many-results.sarif'] }));
    assert.equal(
      facts.codeScanning.nonSecurity,
      62,
      '60 no-unused-vars lines and two eval calls on one line',
    );
    assert.deepEqual(facts.counts, { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 });
    assert.deepEqual(facts.codeScanning.counts, { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 });
  });

  void it('reads a Trivy report holding only misconfigurations as misconfigurations, not as a clean scan', async () => {
    const facts = await vulnerabilityFacts(await context({ vulnerabilities: ['trivy-helm-misconfig.json'] }));
    assert.deepEqual(facts.misconfigurations.counts, { critical: 0, high: 1, medium: 3, low: 2, unknown: 0 });
    assert.deepEqual(
      facts.misconfigurations.blocking.map((f) => `${f.id} ${f.location}`),
      ['KSV-0118 templates/deployment.yaml:23'],
    );
    assert.equal(facts.dependenciesScanned, false);
    assert.deepEqual(facts.counts, { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 });
  });
});

void describe('Checkov reports', () => {
  void it('reads the failed checks of `checkov -o json` as misconfigurations Checkov did not rate', async () => {
    const facts = await vulnerabilityFacts(
      await context({ vulnerabilities: ['checkov-container-escape.json'] }),
    );
    assert.deepEqual(facts.misconfigurations.counts, {
      critical: 0,
      high: 0,
      medium: 0,
      low: 0,
      unknown: 13,
    });
    assert.ok(
      facts.misconfigurations.blocking.some((f) => f.id === 'CKV_K8S_17'),
      'host PID namespace',
    );
    assert.deepEqual(facts.counts, { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 });
  });

  void it("counts Checkov's JSON and SARIF of the same run once, at the SARIF level's severity", async () => {
    const facts = await vulnerabilityFacts(
      await context({
        vulnerabilities: ['checkov-container-escape.json', 'checkov-container-escape.sarif'],
      }),
    );
    assert.deepEqual(facts.misconfigurations.counts, {
      critical: 0,
      high: 13,
      medium: 0,
      low: 0,
      unknown: 0,
    });
  });
});

void describe('SPDX roots', () => {
  void it('leaves out what the document DESCRIBES when only a relationship says so (Trivy)', async () => {
    const facts = await sbomFacts(await context({ sbom: 'trivy-conda.spdx.json' }));
    assert.equal(facts.componentCount, 2, 'openssl and pip, not the scanned directory');
  });

  void it("reads this project's own SBOM from `npm sbom` (SPDX with and without documentDescribes, CycloneDX)", async () => {
    const { stdout } = await promisify(execFile)('npm', ['sbom', '--sbom-format', 'spdx', '--omit', 'dev'], {
      cwd: projectRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
    const doc = JSON.parse(stdout) as { packages: unknown[]; documentDescribes?: string[] };
    const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-sbom-'));
    try {
      await writeFile(path.join(dir, 'npm.spdx.json'), stdout);
      delete doc.documentDescribes;
      await writeFile(path.join(dir, 'relationships.spdx.json'), JSON.stringify(doc));
      const settings = (s: PolicySettingsInput) => ({ ...s, evidence: { maxFileBytes: 16 * 1024 * 1024 } });
      for (const file of ['npm.spdx.json', 'relationships.spdx.json']) {
        const facts = await sbomFacts(await context({ sbom: file }, settings, dir));
        assert.deepEqual(facts.errors, [], file);
        assert.equal(
          facts.componentCount,
          doc.packages.length - 1,
          `${file}: every package but tollgate itself`,
        );
      }
      const pkg = JSON.parse(await readFile(path.join(projectRoot, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      const facts = await sbomFacts(await context({ sbom: 'npm.spdx.json' }, settings, dir));
      assert.ok(facts.componentCount >= Object.keys(pkg.dependencies).length);

      const cdx = await promisify(execFile)('npm', ['sbom', '--sbom-format', 'cyclonedx', '--omit', 'dev'], {
        cwd: projectRoot,
        maxBuffer: 64 * 1024 * 1024,
      });
      await writeFile(path.join(dir, 'npm.cdx.json'), cdx.stdout);
      const cyclonedx = await sbomFacts(await context({ sbom: 'npm.cdx.json' }, settings, dir));
      assert.deepEqual(cyclonedx.errors, []);
      assert.equal(cyclonedx.componentCount, facts.componentCount, 'both formats list the same packages');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
