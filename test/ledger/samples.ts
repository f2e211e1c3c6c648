/**
 * Realistic evidence chains, in the record shapes the promotion workflow emits, for ledger and
 * audit tests: an approved promotion, one rolled back by its canary, one rejected by an approver.
 */
import type { Actor, EvidenceInput } from '../../src/domain/evidence.js';

const SYSTEM: Actor = { id: 'tollgate', channel: 'system' };
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const POLICY_HASH = 'c0ffee'.padEnd(64, '0');

export type Scenario = 'approved' | 'rolled-back' | 'rejected';

export function sampleRelease(app = 'billing-api', version = '1.4.2') {
  return {
    apiVersion: 'tollgate.dev/v1',
    kind: 'Release',
    app,
    version,
    artifacts: [
      {
        name: 'api',
        ref: `registry.example.com/${app}@sha256:${'12'.repeat(32)}`,
        digest: `sha256:${'12'.repeat(32)}`,
        type: 'container-image',
      },
    ],
    evidence: { sbom: 'sbom.cdx.json', vulnerabilities: ['trivy.json'], deploymentManifests: [] },
    requester: 'rachel',
    change: { description: 'Faster invoice rendering', ticket: 'CHG-1042' },
    commitAuthors: ['rachel'],
    labels: {},
  };
}

function policyEvaluation(stage: string, time: string) {
  return {
    stage,
    passed: true,
    resultHash: POLICY_HASH,
    packs: [{ name: 'supply-chain', version: '3' }],
    rules: [
      {
        pack: 'supply-chain',
        ruleId: 'sbom-present',
        description: 'The release carries a CycloneDX SBOM',
        severity: 'high',
        outcome: 'pass',
        controls: ['ISO27001:A.8.28', 'CSA-CCM:AIS-06'],
        factsRead: ['sbom'],
      },
      {
        pack: 'supply-chain',
        ruleId: 'no-critical-vulns',
        description: 'No critical vulnerabilities without a fix',
        severity: 'critical',
        outcome: 'pass',
        message: '0 critical, 2 high',
        controls: ['ISO27001:A.8.8'],
        factsRead: ['vulnerabilities'],
      },
    ],
    facts: { sbom: { components: 212 }, vulnerabilities: { critical: 0, high: 2 } },
    evaluatedAt: time,
  };
}

function analysis(step: number, weight: number, verdict: 'pass' | 'fail', time: string) {
  const errorRate = verdict === 'pass' ? 0.004 : 0.19;
  return {
    verdict,
    step,
    weight,
    provider: 'builtin',
    metrics: [
      {
        name: 'error-rate',
        verdict,
        canary: errorRate,
        baseline: 0.005,
        threshold: { max: 0.02 },
        samples: { canary: 120, baseline: 480 },
        comparison: {
          u: 27100,
          pValue: verdict === 'pass' ? 0.41 : 0.0003,
          hodgesLehmannShift: errorRate - 0.005,
          alpha: 0.05,
        },
        reason: verdict === 'pass' ? 'within threshold' : 'error rate 0.19 above max 0.02',
      },
      {
        name: 'latency-vs-baseline',
        verdict: 'pass',
        canary: 12.1,
        baseline: 11.8,
        samples: { canary: 120, baseline: 480 },
        comparison: {
          test: 'wilcoxon-normal',
          direction: 'increase',
          unit: 'ms',
          estimate: 0.31,
          interval: { lower: -0.42, upper: 1.05, confidence: 0.95 },
          tolerance: { ratio: 0.2, absolute: 5, allowed: 5 },
          pValue: 0.38,
          u: 30010,
        },
        reason: 'latency shift over baseline within the tolerance',
      },
    ],
    reason: verdict === 'pass' ? 'all metrics pass' : 'error-rate failed',
    window: { start: time, end: time },
  };
}

/** The inputs of one promotion's chain, seq 0..n-1, with workflow-like times. */
export function promotionChain(
  promotionId: string,
  scenario: Scenario,
  opts: { app?: string; version?: string; start?: Date } = {},
): EvidenceInput[] {
  const release = sampleRelease(opts.app, opts.version);
  let clock = (opts.start ?? new Date('2026-03-02T09:00:00Z')).getTime();
  const inputs: EvidenceInput[] = [];
  const add = (
    type: EvidenceInput['type'],
    data: Record<string, unknown>,
    extra: { stage?: string; actor?: Actor; controls?: string[] } = {},
  ) => {
    clock += 60_000;
    inputs.push({
      chainId: promotionId,
      seq: inputs.length,
      promotionId,
      workflowId: `promotion-${promotionId}`,
      runId: '0195a7c2-0000-7000-8000-000000000001',
      ...(extra.stage ? { stage: extra.stage } : {}),
      type,
      actor: extra.actor ?? SYSTEM,
      time: new Date(clock).toISOString(),
      data,
      controls: extra.controls ?? ['CSA-CCM:AIS-06', 'ISO27001:A.8.32'],
    });
  };
  const now = () => new Date(clock).toISOString();
  const stages = ['staging', 'prod'];
  add('promotion.started', { release, releaseDigest: DIGEST, pipeline: 'web', stages });

  for (const stage of stages) {
    add('stage.entered', {}, { stage });
    add('policy.evaluated', policyEvaluation(stage, now()), {
      stage,
      controls: ['ISO27001:A.8.28', 'ISO27001:A.8.8'],
    });
    if (stage === 'prod') {
      add(
        'approval.requested',
        {
          quorum: 1,
          groups: ['sre'],
          distinctGroups: false,
          deadline: '2026-03-03T09:00:00.000Z',
          releaseDigest: DIGEST,
          policyResultHash: POLICY_HASH,
        },
        { stage },
      );
      const decision = scenario === 'rejected' ? 'reject' : 'approve';
      const vote = {
        approver: 'alice',
        decision,
        channel: 'slack',
        groups: ['sre'],
        at: now(),
        keyId: 'chat:hook-1',
        ...(scenario === 'rejected'
          ? { comment: '=HYPERLINK("http://evil") <script>alert(1)</script> not during the freeze' }
          : {}),
        releaseDigest: DIGEST,
        policyResultHash: POLICY_HASH,
        signature: 'ee'.repeat(64),
      };
      add('approval.vote', vote, {
        stage,
        actor: {
          id: 'alice',
          channel: 'slack',
          verifiedBy: 'slack-signature+hook-key:chat:hook-1',
          chatIdentity: { platform: 'slack', userId: 'U024BE7LH' },
        },
      });
      if (scenario === 'rejected') {
        add('promotion.rejected', { status: 'rejected', outcome: 'rejected at prod by alice' });
        return inputs;
      }
      add('approval.granted', { votes: [vote] }, { stage });
    }
    const serving = {
      app: release.app,
      stable: { version: '1.4.1', healthy: true },
      canary: { version: release.version, weight: 0, healthy: true },
      previousStable: '1.4.1',
    };
    add('deploy.completed', { version: release.version, serving }, { stage });
    if (stage === 'prod') {
      add('canary.step', { step: 1, weight: 10 }, { stage });
      const verdict = scenario === 'rolled-back' ? 'fail' : 'pass';
      add('canary.analysis', analysis(1, 10, verdict, now()), { stage });
      if (scenario === 'rolled-back') {
        add(
          'rollback.completed',
          {
            reason: 'canary analysis failed: error-rate',
            restored: '1.4.1',
            serving: { app: release.app, stable: { version: '1.4.1', healthy: true } },
          },
          { stage },
        );
        add('promotion.failed', {
          status: 'rolled-back',
          outcome: 'canary failed at prod; rolled back to 1.4.1',
        });
        return inputs;
      }
      add('canary.decision', { decision: 'continue', by: 'tollgate' }, { stage });
    }
    add('stage.completed', { version: release.version }, { stage });
  }
  add('promotion.completed', {
    status: 'succeeded',
    outcome: `${release.app} ${release.version} promoted through staging → prod`,
  });
  return inputs;
}

export function refusal(promotionId: string, i: number): Omit<EvidenceInput, 'seq'> {
  return {
    chainId: `security:${promotionId}`,
    promotionId,
    type: 'security.refused',
    actor: { id: 'mallory', channel: 'webhook' },
    time: new Date(Date.UTC(2026, 2, 2, 10, 0, i)).toISOString(),
    data: {
      reason: 'not a member of an approver group',
      channel: 'webhook',
      actor: 'mallory',
      request: { kind: 'vote', n: i },
    },
    controls: ['ISO27001:A.5.15'],
  };
}
