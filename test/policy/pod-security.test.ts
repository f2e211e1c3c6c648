/**
 * The deployment-config pack over a container-escape manifest: every escape route fails its own
 * rule, naming the file, object and container, although the manifest satisfies the five
 * container checks the pack had before.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fixtureEngine, fixtureRelease, fixtures, request } from './helpers.js';

const escape = path.join(fixtures, 'k8s/container-escape.yaml');

async function evaluateWith(evidence: { deploymentManifests: string[]; vulnerabilities?: string[] }) {
  const engine = await fixtureEngine();
  const release = await fixtureRelease('checkout.yaml');
  const evaluation = await engine.evaluate(
    request({ ...release, evidence: { ...release.evidence, ...evidence } }, 'prod', {
      packs: ['deployment-config'],
    }),
  );
  return Object.fromEntries(evaluation.rules.map((r) => [r.ruleId, r]));
}

void describe('deployment-config pack on a container-escape manifest', () => {
  void it('fails host namespaces, the Docker socket, SYS_ADMIN, seccomp and the default namespace, each by name (and the missing NetworkPolicy)', async () => {
    const rules = await evaluateWith({ deploymentManifests: [escape] });
    const failed = Object.values(rules)
      .filter((r) => r.outcome !== 'pass')
      .map((r) => r.ruleId)
      .sort();
    assert.deepEqual(failed, [
      'capabilities-dropped',
      'network-policy',
      'no-host-namespaces',
      'no-host-path-volumes',
      'not-default-namespace',
      'seccomp-profile',
    ]);
    assert.equal(
      rules['no-host-namespaces']?.message,
      `not met: deployment.checks.hostNamespaces: ${escape}: Deployment/default/escape: hostNetwork: true shares the node's namespace; ` +
        `deployment.checks.hostNamespaces: ${escape}: Deployment/default/escape: hostPID: true shares the node's namespace`,
    );
    assert.equal(
      rules['no-host-path-volumes']?.message,
      `not met: deployment.checks.hostPath: ${escape}: Deployment/default/escape: volume docker mounts the node's /var/run/docker.sock (hostPath)`,
    );
    assert.match(
      rules['capabilities-dropped']?.message ?? '',
      /Deployment\/default\/escape\/app: capabilities\.add: SYS_ADMIN \(only NET_BIND_SERVICE may be added\)/,
    );
    for (const old of [
      'run-as-non-root',
      'read-only-root-filesystem',
      'resource-limits',
      'no-privilege-escalation',
    ])
      assert.equal(rules[old]?.outcome, 'pass', `${old}: the manifest satisfies it`);
  });

  void it("fails on Checkov's findings for the same manifest, listing its check ids", async () => {
    const rules = await evaluateWith({
      deploymentManifests: [path.join(fixtures, 'k8s/checkout.yaml')],
      vulnerabilities: [path.join(fixtures, 'scanners/checkov-container-escape.json')],
    });
    assert.equal(rules['no-high-misconfigurations']?.outcome, 'fail');
    assert.match(
      rules['no-high-misconfigurations']?.message ?? '',
      /13 unknown: CKV_K8S_17 at container-escape\.yaml:3, reported by .*checkov-container-escape\.json/,
    );
    assert.equal(rules['capabilities-dropped']?.outcome, 'pass', 'the hardened manifest itself passes');
  });

  void it('passes the hardened manifests on every rule', async () => {
    const rules = await evaluateWith({ deploymentManifests: [path.join(fixtures, 'k8s/checkout.yaml')] });
    assert.deepEqual(
      Object.values(rules)
        .filter((r) => r.outcome !== 'pass')
        .map((r) => `${r.ruleId}: ${r.message}`),
      [],
    );
  });
});
