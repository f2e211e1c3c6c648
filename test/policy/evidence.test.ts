import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aiFacts } from '../../src/policy/facts/ai-release.js';
import type { FactContext } from '../../src/policy/facts/context.js';
import { deploymentFacts } from '../../src/policy/facts/deployment-config.js';
import { parseImageRef, matchesAllowList } from '../../src/policy/facts/image-ref.js';
import { sbomFacts } from '../../src/policy/facts/sbom.js';
import { vulnerabilityFacts } from '../../src/policy/facts/vulnerabilities.js';
import { PolicySettings, type PolicySettingsInput } from '../../src/policy/settings.js';
import type { Release } from '../../src/domain/release.js';
import { evidenceReader, fixtureRelease, fixtureSettings, GATE_TIME } from './helpers.js';

async function context(
  change: (r: Release) => Release,
  opts: { time?: string; settings?: (s: PolicySettingsInput) => PolicySettingsInput } = {},
): Promise<FactContext> {
  const settings = PolicySettings.parse((opts.settings ?? ((s) => s))(await fixtureSettings()));
  const release = change(await fixtureRelease('checkout.yaml'));
  return {
    release,
    settings,
    trustedKeys: [],
    evidence: evidenceReader(settings),
    time: new Date(opts.time ?? GATE_TIME),
  };
}

const evidence =
  (e: Partial<Release['evidence']>) =>
  (r: Release): Release => ({ ...r, evidence: { ...r.evidence, ...e } });

void describe('SBOM facts', () => {
  void it('reads the CycloneDX SBOM npm sbom wrote: components and licenses', async () => {
    const facts = await sbomFacts(await context(evidence({ sbom: '../evidence/sbom.cdx.json' })));
    assert.deepEqual(facts, {
      present: true,
      parseable: true,
      format: 'cyclonedx',
      specVersion: '1.5',
      componentCount: 3,
      licenses: ['ISC', 'MIT'],
      componentsWithoutLicense: 0,
      deniedLicenses: [],
      errors: [],
    });
  });

  void it('reads the SPDX SBOM npm sbom wrote, leaving out the described package itself', async () => {
    const facts = await sbomFacts(await context(evidence({ sbom: '../evidence/sbom.spdx.json' })));
    assert.equal(facts.format, 'spdx');
    assert.equal(facts.specVersion, 'SPDX-2.3');
    assert.equal(facts.componentCount, 3);
    assert.deepEqual(facts.licenses, ['ISC', 'MIT']);
  });

  void it('flags components under denied licenses', async () => {
    const facts = await sbomFacts(
      await context(evidence({ sbom: '../evidence/sbom.cdx.json' }), {
        settings: (s) => ({ ...s, sbom: { deniedLicenses: ['ISC'] } }),
      }),
    );
    assert.deepEqual(facts.deniedLicenses, ['ISC']);
  });

  void it('reports a truncated, foreign-format or missing SBOM as a fact error', async () => {
    const truncated = await sbomFacts(await context(evidence({ sbom: '../broken/sbom-truncated.cdx.json' })));
    assert.equal(truncated.parseable, false);
    assert.match(
      truncated.errors[0] ?? '',
      /^evidence\.sbom: \.\.\/broken\/sbom-truncated\.cdx\.json: not valid JSON/,
    );
    const foreign = await sbomFacts(await context(evidence({ sbom: '../broken/sbom-unknown-format.json' })));
    assert.match(foreign.errors[0] ?? '', /neither CycloneDX JSON .* nor SPDX JSON/);
    const none = await sbomFacts(await context(evidence({ sbom: undefined })));
    assert.deepEqual([none.present, none.errors], [false, ['evidence.sbom: the release attaches no SBOM']]);
  });
});

void describe('vulnerability facts', () => {
  void it('counts the Trivy report by severity and lists the blocking findings', async () => {
    const facts = await vulnerabilityFacts(
      await context(evidence({ vulnerabilities: ['../evidence/trivy.json'] })),
    );
    assert.deepEqual(facts.counts, { critical: 1, high: 1, medium: 1, low: 1, unknown: 0 });
    assert.deepEqual(facts.reports, [{ file: '../evidence/trivy.json', format: 'trivy', findings: 4 }]);
    assert.deepEqual(
      facts.blocking.map((f) => `${f.id} ${f.package} ${f.severity}`),
      ['CVE-2024-21538 cross-spawn high', 'CVE-2024-45296 path-to-regexp critical'],
    );
  });

  void it('reads the SARIF eslint wrote as code scanning, never as dependency vulnerabilities', async () => {
    const facts = await vulnerabilityFacts(
      await context(evidence({ vulnerabilities: ['../evidence/eslint.sarif'] })),
    );
    assert.deepEqual(facts.counts, { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 });
    assert.equal(
      facts.codeScanning.nonSecurity,
      3,
      'no-eval, no-new-func and eqeqeq carry no security-severity',
    );
    assert.equal(facts.dependenciesScanned, false);
    assert.match(
      facts.errors[0] ?? '',
      /^vulnerabilities\.dependenciesScanned: none of the attached reports/,
    );
  });

  void it('merges Grype and Trivy findings of the same CVE in the same package', async () => {
    const facts = await vulnerabilityFacts(
      await context(evidence({ vulnerabilities: ['../evidence/trivy.json', '../evidence/grype.json'] }), {
        settings: (s) => ({ ...s, vulnerabilities: { ignore: [] } }),
      }),
    );
    // Trivy: 1 critical, 1 high, 1 medium, 1 low (CVE-2024-4741/libcrypto3); Grype adds ws (high) and the same libcrypto3 CVE.
    assert.deepEqual(facts.counts, { critical: 1, high: 2, medium: 1, low: 1, unknown: 0 });
  });

  void it('ignores listed findings until the entry expires, judged at the gate time', async () => {
    const grype = evidence({ vulnerabilities: ['../evidence/grype.json'] });
    const before = await vulnerabilityFacts(await context(grype, { time: '2025-06-02T00:00:00Z' }));
    assert.deepEqual([before.counts.high, before.ignored, before.expiredIgnores], [0, 1, []]);
    const after = await vulnerabilityFacts(await context(grype, { time: '2026-01-05T00:00:00Z' }));
    assert.deepEqual(
      [after.counts.high, after.ignored, after.expiredIgnores],
      [1, 0, ['GHSA-3h5v-q93c-6h6q']],
    );
    assert.equal(after.blocking[0]?.package, 'ws');
  });

  void it('reports broken, unknown and missing reports per file and keeps the readable ones', async () => {
    const facts = await vulnerabilityFacts(
      await context(
        evidence({
          vulnerabilities: [
            '../broken/sarif-truncated.sarif',
            '../broken/sarif-runs-not-array.sarif',
            '../evidence/sbom.cdx.json',
            '../evidence/nope.json',
            '../evidence/trivy.json',
          ],
        }),
      ),
    );
    assert.equal(facts.parseable, false);
    assert.equal(facts.counts.critical, 1, 'the readable Trivy report still counts');
    assert.equal(facts.errors.filter((e) => e.startsWith('evidence.')).length, 4);
    assert.match(
      facts.errors[0]!,
      /^evidence\.vulnerabilities\[0\]: \.\.\/broken\/sarif-truncated\.sarif: not valid JSON/,
    );
    assert.match(facts.errors[1]!, /^evidence\.vulnerabilities\[1\]: .*: SARIF runs must be an array/);
    assert.match(
      facts.errors[2]!,
      /^evidence\.vulnerabilities\[2\]: .*: a CycloneDX document without vulnerabilities is an SBOM, not a vulnerability report/,
    );
    assert.match(
      facts.errors[3]!,
      /^evidence\.vulnerabilities\[3\]: \.\.\/evidence\/nope\.json: file not found/,
    );
  });
});

void describe('deployment configuration facts', () => {
  void it('passes the hardened manifests on every Pod Security restricted check', async () => {
    const facts = await deploymentFacts(await context((r) => r));
    assert.deepEqual(facts.violations, []);
    assert.deepEqual(facts.errors, []);
    assert.deepEqual(
      Object.entries(facts.checks).filter(([, ok]) => !ok),
      [],
    );
    assert.equal(Object.keys(facts.checks).length, 19);
    assert.deepEqual([facts.workloads, facts.networkPolicies, facts.storageClasses], [1, 1, 1]);
  });

  void it('names the file, object, container and check of every container-escape setting', async () => {
    const facts = await deploymentFacts(
      await context(evidence({ deploymentManifests: ['../k8s/container-escape.yaml'] })),
    );
    assert.deepEqual(facts.errors.slice(0, 0), []);
    assert.deepEqual(
      facts.violations.map((v) => `${v.file} ${v.object} ${v.check}: ${v.detail}`),
      [
        '../k8s/container-escape.yaml Deployment/default/escape notDefaultNamespace: metadata.namespace is default, shared by everything deployed without one',
        "../k8s/container-escape.yaml Deployment/default/escape hostNamespaces: hostNetwork: true shares the node's namespace",
        "../k8s/container-escape.yaml Deployment/default/escape hostNamespaces: hostPID: true shares the node's namespace",
        "../k8s/container-escape.yaml Deployment/default/escape hostPath: volume docker mounts the node's /var/run/docker.sock (hostPath)",
        '../k8s/container-escape.yaml Deployment/default/escape/app capabilities: capabilities.drop does not include ALL',
        '../k8s/container-escape.yaml Deployment/default/escape/app capabilities: capabilities.add: SYS_ADMIN (only NET_BIND_SERVICE may be added)',
        '../k8s/container-escape.yaml Deployment/default/escape/app seccomp: seccompProfile.type is not set (RuntimeDefault or Localhost needed)',
      ],
    );
    for (const check of [
      'hostNamespaces',
      'hostPath',
      'capabilities',
      'seccomp',
      'notDefaultNamespace',
    ] as const)
      assert.equal(facts.checks[check], false, check);
    for (const check of [
      'runAsNonRoot',
      'readOnlyRootFilesystem',
      'resourceLimits',
      'notPrivileged',
    ] as const)
      assert.equal(facts.checks[check], true, `${check} holds: the manifest sets it`);
  });

  void it('names each violating container and check in the insecure manifests (Deployment and CronJob)', async () => {
    const facts = await deploymentFacts(
      await context(evidence({ deploymentManifests: ['../k8s/insecure.yaml'] })),
    );
    const checks = (object: string) =>
      facts.violations.filter((v) => v.object === object).map((v) => v.check);
    assert.deepEqual(checks('Deployment/checkout/checkout'), [
      'notPrivileged',
      'capabilities',
      'noPrivilegeEscalation',
      'runAsNonRoot',
      'seccomp',
      'readOnlyRootFilesystem',
      'resourceLimits',
      'imageDigestPinned',
    ]);
    assert.deepEqual(checks('CronJob/cleanup/cleanup'), ['capabilities', 'seccomp', 'imageDigestPinned']);
    assert.deepEqual(checks('StorageClass/plain'), ['encryptedStorage']);
    assert.deepEqual(facts.images, [
      'docker.io/library/busybox:1.36',
      'registry.example.com/shop/checkout:latest',
    ]);
  });

  void it('reports invalid YAML with its document and line', async () => {
    const facts = await deploymentFacts(
      await context(evidence({ deploymentManifests: ['../broken/manifest.yaml'] })),
    );
    assert.equal(facts.parseable, false);
    assert.match(
      facts.errors[0] ?? '',
      /^evidence\.deploymentManifests\[0\]: \.\.\/broken\/manifest\.yaml: document 1 is not valid YAML \(line \d+:/,
    );
  });

  void it('refuses an empty file, a workload without a pod template and a field of the wrong type, naming the file', async () => {
    const facts = await deploymentFacts(
      await context(
        evidence({
          deploymentManifests: [
            '../broken/manifest-empty.yaml',
            '../broken/manifest-no-template.yaml',
            '../broken/manifest-schema.yaml',
          ],
        }),
      ),
    );
    assert.equal(facts.parseable, false);
    assert.deepEqual(
      facts.errors.filter((e) => e.startsWith('evidence.')),
      [
        'evidence.deploymentManifests[0]: ../broken/manifest-empty.yaml: holds no Kubernetes object (the file is empty or only comments)',
        'evidence.deploymentManifests[1]: ../broken/manifest-no-template.yaml: Deployment/checkout: does not match the Kubernetes apps/v1 Deployment schema: spec must have required property template',
        'evidence.deploymentManifests[1]: ../broken/manifest-no-template.yaml: Deployment/checkout: a Deployment without a pod template (spec.template.spec) deploys nothing; render the manifest fully',
        'evidence.deploymentManifests[2]: ../broken/manifest-schema.yaml: Deployment/checkout: does not match the Kubernetes apps/v1 Deployment schema: spec.replicas must be integer',
      ],
    );
    assert.equal(facts.workloads, 1, 'only the schema-broken Deployment has a pod template');
  });
});

void describe('image references', () => {
  void it('parses registries, tags and digests the way Docker does', () => {
    assert.deepEqual(parseImageRef('nginx:1.27'), {
      ref: 'nginx:1.27',
      registry: 'docker.io',
      repository: 'docker.io/library/nginx',
      tag: '1.27',
      digest: null,
    });
    assert.equal(
      parseImageRef('localhost:5000/app@sha256:' + 'a'.repeat(64)).repository,
      'localhost:5000/app',
    );
    assert.equal(parseImageRef('ghcr.io/acme/api:2').repository, 'ghcr.io/acme/api');
    assert.equal(matchesAllowList('ghcr.io/acme/api', ['ghcr.io/acme']), true);
    assert.equal(matchesAllowList('ghcr.io/acme-evil/api', ['ghcr.io/acme']), false);
  });
});

void describe('AI release facts', () => {
  const assistant = async (
    change: (r: Release) => Release = (r) => r,
    settings?: (s: PolicySettingsInput) => PolicySettingsInput,
  ) => {
    const ctx = await context((r) => r, { settings });
    return aiFacts({ ...ctx, release: change(await fixtureRelease('assistant.yaml')) });
  };
  const ai =
    (patch: Partial<NonNullable<Release['ai']>>) =>
    (r: Release): Release => ({ ...r, ai: { ...r.ai!, ...patch } });

  void it('finds a complete AI release compliant', async () => {
    const facts = await assistant();
    assert.deepEqual(facts.errors, []);
    assert.deepEqual(facts.model, {
      id: 'support-bot-7b',
      digest: 'sha256:27b2b2cfcd5b6c3dda7a40e17100f71ae17ce956f153583b4af584ca460748bc',
      pinned: true,
      allowed: true,
    });
    assert.deepEqual(facts.modelCard, {
      present: true,
      parseable: true,
      hasIntendedUse: true,
      hasLimitations: true,
    });
    assert.equal(facts.evaluations.passed, true);
    assert.equal(facts.redTeam.passRate, 0.98);
    assert.deepEqual(facts.transparencyNotice, { required: true, present: true });
  });

  void it('finds headings without text, low metrics, weak red-team results and unknown models', async () => {
    const facts = await assistant(
      ai({ modelCard: '../ai/model-card-empty-sections.md', redTeam: '../ai/red-team-weak.json' }),
      (s) => ({
        ...s,
        ai: {
          ...s.ai,
          allowedModels: [{ id: 'other-model' }],
          evaluationThresholds: {
            answer_accuracy: 0.95,
            toxicity_rate: { max: 0.001 },
            fairness_gap: { max: 0.05 },
          },
        },
      }),
    );
    assert.deepEqual(facts.modelCard, {
      present: true,
      parseable: true,
      hasIntendedUse: false,
      hasLimitations: false,
    });
    assert.equal(facts.model.allowed, false);
    assert.deepEqual(
      facts.evaluations.failing.map((f) => `${f.metric}=${f.value}`),
      ['answer_accuracy=0.91', 'fairness_gap=null', 'toxicity_rate=0.002'],
    );
    assert.deepEqual([facts.redTeam.passRate, facts.redTeam.meetsThreshold], [0.75, false]);
    assert.match(facts.errors.join('\n'), /ai\.redTeam: pass rate 150\/200 is below 0\.95/);
  });

  void it('reports unreadable AI evidence as fact errors', async () => {
    const facts = await assistant(
      ai({
        evaluations: '../ai/red-team.json',
        redTeam: '../broken/dsse-not-json.json',
        transparencyNotice: '../ai/none.md',
      }),
    );
    assert.match(facts.errors.join('\n'), /ai\.evaluations: \.\.\/ai\/red-team\.json: expected \{ "metrics"/);
    assert.match(facts.errors.join('\n'), /ai\.redTeam: \.\.\/broken\/dsse-not-json\.json: not valid JSON/);
    assert.match(facts.errors.join('\n'), /ai\.transparencyNotice: \.\.\/ai\/none\.md: file not found/);
    assert.equal(facts.transparencyNotice.present, false);
  });

  void it('has nothing to check for a release without an ai section', async () => {
    const facts = await aiFacts(await context((r) => r));
    assert.deepEqual([facts.present, facts.errors], [false, []]);
  });
});
