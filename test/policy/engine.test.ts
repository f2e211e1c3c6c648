import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../src/domain/canonical.js';
import { PolicyEvaluation } from '../../src/policy/types.js';
import { createPolicyActivities } from '../../activities/policy.js';
import { captureLogger, fixtureEngine, fixtureRelease, request } from './helpers.js';

const failedRules = (e: PolicyEvaluation) =>
  e.rules.filter((r) => r.outcome === 'fail' || r.outcome === 'error').map((r) => `${r.pack}/${r.ruleId}`);

void describe('policy engine', () => {
  void it('passes a complete release at prod, recording every rule with its controls and the facts it read', async () => {
    const engine = await fixtureEngine();
    const evaluation = PolicyEvaluation.parse(
      await engine.evaluate(request(await fixtureRelease('checkout.yaml'))),
    );
    assert.deepEqual(failedRules(evaluation), []);
    assert.equal(evaluation.passed, true);
    assert.equal(
      evaluation.rules.length,
      engine.packs.reduce((n, p) => n + p.rules.length, 0),
    );
    assert.deepEqual(
      evaluation.packs.map((p) => p.name),
      ['ai-release', 'change-management', 'deployment-config', 'supply-chain'],
    );
    const pinned = evaluation.rules.find((r) => r.ruleId === 'images-digest-pinned');
    assert.deepEqual(pinned?.factsRead, ['thirdParty.allPinned']);
    assert.ok(pinned?.controls.includes('ISO27001:A.8.32'));
    assert.deepEqual(Object.keys(evaluation.facts).sort(), [
      'ai',
      'deployment',
      'provenance',
      'sbom',
      'thirdParty',
      'vulnerabilities',
    ]);
  });

  void it('blocks a release with a mutable image tag, naming the reference and the fix', async () => {
    const engine = await fixtureEngine();
    const evaluation = await engine.evaluate(
      request(await fixtureRelease('checkout-mutable-tag.yaml'), 'dev'),
    );
    assert.equal(evaluation.passed, false);
    assert.deepEqual(failedRules(evaluation), ['supply-chain/images-digest-pinned']);
    const rule = evaluation.rules.find((r) => r.ruleId === 'images-digest-pinned');
    assert.match(
      rule?.message ?? '',
      /not pinned by digest .*registry\.example\.com\/shop\/checkout:1\.4\.2/,
    );
    assert.match(rule?.remediation ?? '', /@sha256:<digest>/);
  });

  void it('blocks an AI release without a model card, naming the EU AI Act and ISO/IEC 42001 controls', async () => {
    const engine = await fixtureEngine();
    const evaluation = await engine.evaluate(request(await fixtureRelease('assistant-no-model-card.yaml')));
    assert.equal(evaluation.passed, false);
    assert.deepEqual(failedRules(evaluation), ['ai-release/model-card']);
    const rule = evaluation.rules.find((r) => r.ruleId === 'model-card');
    assert.equal(rule?.message, 'not met: ai.modelCard: the release attaches no model card');
    assert.ok(rule?.controls.includes('EUAIAct:Art.53'));
    assert.ok(rule?.controls.includes('ISO42001:B.6.2.5'));
  });

  void it('passes the complete AI release', async () => {
    const engine = await fixtureEngine();
    const evaluation = await engine.evaluate(request(await fixtureRelease('assistant.yaml')));
    assert.deepEqual(failedRules(evaluation), []);
  });

  void it('fails the rules that read a broken or tampered piece of evidence, with the reason, and keeps evaluating the rest', async () => {
    const engine = await fixtureEngine();
    const release = await fixtureRelease('checkout.yaml');
    const evaluation = await engine.evaluate(
      request({
        ...release,
        evidence: {
          provenance: '../evidence/provenance.tampered.dsse.json',
          sbom: '../broken/sbom-truncated.cdx.json',
          vulnerabilities: ['../broken/sarif-truncated.sarif'],
          deploymentManifests: ['../k8s/missing.yaml'],
        },
      }),
    );
    const byId = new Map(evaluation.rules.map((r) => [r.ruleId, r]));
    assert.equal(byId.get('provenance-signed')?.outcome, 'fail');
    assert.match(byId.get('provenance-signed')?.message ?? '', /no signature verifies with a trusted key/);
    assert.match(
      byId.get('sbom-present')?.message ?? '',
      /evidence\.sbom: \.\.\/broken\/sbom-truncated\.cdx\.json: not valid JSON/,
    );
    assert.match(
      byId.get('vulnerability-reports-readable')?.message ?? '',
      /sarif-truncated\.sarif: not valid JSON/,
    );
    assert.match(byId.get('manifests-present')?.message ?? '', /\.\.\/k8s\/missing\.yaml: file not found/);
    assert.equal(byId.get('change-described')?.outcome, 'pass', 'rules over intact inputs still pass');
  });

  void it('gives the same result hash for the same inputs, and hashes { packs, rules, facts } only', async () => {
    const engine = await fixtureEngine();
    const release = await fixtureRelease('checkout.yaml');
    const a = await engine.evaluate(request(release));
    const b = await engine.evaluate(request(release, 'prod', { promotionId: 'another' }));
    assert.equal(a.resultHash, b.resultHash);
    const expected = createHash('sha256')
      .update(canonicalJson({ packs: a.packs, rules: a.rules, facts: a.facts })!)
      .digest('hex');
    assert.equal(a.resultHash, expected);
    const staging = await engine.evaluate(request(release, 'staging'));
    assert.notEqual(staging.resultHash, a.resultHash, 'stage-specific rules are skipped at staging');
  });

  void it('skips rules outside their stages and evaluates only the packs the stage lists', async () => {
    const engine = await fixtureEngine();
    const release = await fixtureRelease('checkout.yaml');
    const dev = await engine.evaluate(
      request({ ...release, change: { description: 'small fix here' } }, 'dev', {
        packs: ['change-management'],
      }),
    );
    assert.deepEqual(
      dev.packs.map((p) => p.name),
      ['change-management'],
    );
    const ticket = dev.rules.find((r) => r.ruleId === 'ticket-for-prod');
    assert.deepEqual([ticket?.outcome, ticket?.message], ['skipped', 'applies to stages prod']);
    const prod = await engine.evaluate(
      request({ ...release, change: { description: 'small fix here' } }, 'prod', {
        packs: ['change-management'],
      }),
    );
    assert.deepEqual(failedRules(prod), ['change-management/ticket-for-prod']);
  });

  void it('fails closed when a stage names a pack that is not loaded', async () => {
    const engine = await fixtureEngine();
    const evaluation = await engine.evaluate(
      request(await fixtureRelease('checkout.yaml'), 'prod', { packs: ['supply-chain', 'pci'] }),
    );
    assert.equal(evaluation.passed, false);
    const missing = evaluation.rules.find((r) => r.pack === 'pci');
    assert.equal(missing?.outcome, 'error');
    assert.match(missing?.message ?? '', /requires pack "pci", which is not loaded/);
  });

  void it('blocks only at or above the blocking severity', async () => {
    const release = await fixtureRelease('checkout.yaml');
    const selfPromoted = { ...release, requester: 'alice' }; // alice authored commits: a medium rule at prod
    const strict = await (await fixtureEngine()).evaluate(request(selfPromoted));
    assert.deepEqual(
      [strict.passed, failedRules(strict)],
      [false, ['change-management/requester-not-author-in-prod']],
    );
    const lenient = await (
      await fixtureEngine((s) => ({ ...s, blockingSeverity: 'high' }))
    ).evaluate(request(selfPromoted));
    assert.deepEqual(
      [lenient.passed, failedRules(lenient)],
      [true, ['change-management/requester-not-author-in-prod']],
    );
  });

  void it('reads time as the workflow time of the request: an expired vulnerability ignore counts again', async () => {
    const engine = await fixtureEngine();
    const release = await fixtureRelease('checkout.yaml');
    const evaluation = await engine.evaluate(request(release, 'prod', { time: '2026-02-01T00:00:00.000Z' }));
    assert.deepEqual(failedRules(evaluation), [
      'supply-chain/no-high-vulnerabilities-in-prod',
      'supply-chain/no-expired-vulnerability-ignores',
    ]);
  });

  void it('runs as the evaluatePolicy activity and logs the gate outcome', async () => {
    const { logger, lines } = captureLogger();
    const engine = await fixtureEngine(undefined, logger);
    const activities = createPolicyActivities({ engine, logger });
    const evaluation = await activities.evaluatePolicy(
      request(await fixtureRelease('checkout-mutable-tag.yaml')),
    );
    assert.equal(evaluation.passed, false);
    assert.ok(lines.some((l) => l.includes('"stage":"prod"') && l.includes('evaluating policy')));
    assert.ok(
      lines.some(
        (l) =>
          l.includes('"msg":"policy evaluated"') &&
          l.includes('"passed":false') &&
          l.includes('supply-chain/images-digest-pinned'),
      ),
    );
  });
});
