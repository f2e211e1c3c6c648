/**
 * What the evidence of a canary stage turns into, record by record: the metrics and the CDEvents
 * (checked against the spec's schemas). The end-to-end service test covers plain deploys and
 * rollbacks through a real worker; canaries need a metrics provider, so their records are
 * written here as the workflow writes them.
 */
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { EvidenceRecord } from '../../src/domain/evidence.js';
import { createCdEventsMapper } from '../../src/telemetry/cdevents.js';
import { createTollgateMetrics } from '../../src/telemetry/metrics.js';
import { cdEventsValidator } from '../helpers/cdevents-schemas.js';

const digest = `sha256:${'a'.repeat(64)}`;
let seq = 0;
function record(type: EvidenceRecord['type'], time: string, data: Record<string, unknown>, stage?: string) {
  const r = {
    chainId: 'shop-2',
    seq: seq++,
    promotionId: 'shop-2',
    type,
    actor: { id: 'tollgate', channel: 'system' as const },
    time,
    data,
    controls: [],
    ...(stage ? { stage } : {}),
    prevHash: '',
  };
  return { ...r, hash: createHash('sha256').update(JSON.stringify(r)).digest('hex') } as EvidenceRecord;
}

const release = {
  app: 'shop',
  version: '2.0.0',
  artifacts: [{ name: 'shop', ref: `ghcr.io/acme/shop@${digest}`, digest, type: 'container-image' }],
};
const serving = (canaryWeight?: number) => ({
  app: 'shop',
  stable: { version: canaryWeight === undefined ? '2.0.0' : '1.0.0', healthy: true },
  ...(canaryWeight === undefined
    ? {}
    : { canary: { version: '2.0.0', weight: canaryWeight, healthy: true } }),
  previousStable: canaryWeight === undefined ? '1.0.0' : undefined,
});

const trail = [
  record('promotion.started', '2026-01-05T10:00:00Z', { release }),
  record('approval.requested', '2026-01-05T10:00:01Z', {}, 'prod'),
  record('approval.vote', '2026-01-05T10:05:01Z', { decision: 'approve' }, 'prod'),
  record('approval.granted', '2026-01-05T10:20:01Z', {}, 'prod'),
  record('deploy.completed', '2026-01-05T10:20:05Z', { version: '2.0.0', serving: serving(0) }, 'prod'),
  record('canary.step', '2026-01-05T10:20:06Z', { step: 1, weight: 10, serving: serving(10) }, 'prod'),
  record('canary.analysis', '2026-01-05T10:25:06Z', { verdict: 'pass' }, 'prod'),
  record('canary.step', '2026-01-05T10:25:07Z', { step: 2, weight: 50, serving: serving(50) }, 'prod'),
  record('canary.analysis', '2026-01-05T10:30:07Z', { verdict: 'inconclusive' }, 'prod'),
  record('canary.promoted', '2026-01-05T10:31:00Z', { version: '2.0.0', serving: serving() }, 'prod'),
  record('promotion.completed', '2026-01-05T10:31:01Z', {}),
];

void describe('telemetry from the evidence of a canary stage', () => {
  void it('emits environment.modified per traffic shift and service.upgraded once the canary is promoted', async () => {
    const mapper = createCdEventsMapper('tollgate-prod');
    const events = trail.flatMap((r) => mapper.map(r));
    const validate = await cdEventsValidator();
    for (const e of events) assert.deepEqual(validate(e), [], JSON.stringify(e));
    assert.deepEqual(
      events.map((e) => `${e.context.type} ${e.subject.id}`),
      [
        'dev.cdevents.environment.modified.0.3.0 prod',
        'dev.cdevents.environment.modified.0.3.0 prod',
        'dev.cdevents.service.upgraded.0.3.0 shop',
      ],
    );
    const upgraded = events[2]!;
    assert.equal(
      upgraded.subject.content.artifactId,
      `pkg:oci/shop@${digest}?repository_url=ghcr.io%2Facme%2Fshop`,
    );
    assert.deepEqual(upgraded.customData, {
      tollgate: {
        promotionId: 'shop-2',
        evidence: 'canary.promoted',
        seq: 9,
        version: '2.0.0',
        replaced: '1.0.0',
      },
    });
    assert.equal(upgraded.context.chainId, 'shop-2');
    assert.deepEqual(validate({ ...upgraded, subject: { ...upgraded.subject, type: 'service' } }), [
      'dev.cdevents.service.upgraded.0.3.0/subject: must NOT have additional properties',
    ]);
  });

  void it('measures gate waits, approval latency and canary verdicts; a repeated record counts once', async () => {
    const registry = new Registry();
    const metrics = createTollgateMetrics(registry);
    for (const r of [...trail, trail[6]!]) metrics.observe(r);
    const text = await registry.metrics();
    assert.match(text, /^tollgate_gate_wait_seconds_sum\{gate="approval",stage="prod"\} 1200$/m);
    assert.match(text, /^tollgate_approval_latency_seconds_sum\{stage="prod",decision="approve"\} 300$/m);
    assert.match(text, /^tollgate_canary_verdicts_total\{stage="prod",verdict="pass"\} 1$/m);
    assert.match(text, /^tollgate_canary_verdicts_total\{stage="prod",verdict="inconclusive"\} 1$/m);
    assert.match(text, /^tollgate_promotions_total\{status="completed"\} 1$/m);
  });
});
