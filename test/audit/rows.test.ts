/**
 * Every row of the control coverage can be met, not met and not applicable, each shown on a
 * hand-made chain (test/audit/chains.ts) edited the way real evidence would differ.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildReport, type PromotionReport } from '../../src/audit/report/model.js';
import { drDrillOf } from '../../src/audit/report/evidence.js';
import type { EvidenceRecord } from '../../src/domain/evidence.js';
import type { TrustedWorker } from '../../src/domain/worker.js';
import { drill, goodChain, trustFor, type ChainOptions, type Loose } from './chains.js';

const RECENT_DRILL = drill('2026-02-20T10:00:00Z');

function report(
  records: Loose[],
  opts: {
    drills?: Loose[];
    sealed?: boolean;
    archived?: string[];
    refusals?: Loose[];
    workers?: TrustedWorker[];
  } = {},
): PromotionReport {
  return buildReport(records as EvidenceRecord[], {
    workers: opts.workers ?? trustFor(),
    sealed: opts.sealed ?? true,
    archived: opts.archived ?? ['history.json'],
    refusals: (opts.refusals ?? []) as EvidenceRecord[],
    drills: (opts.drills ?? [RECENT_DRILL]).map((d) => drDrillOf(d)!),
  });
}

const row = (r: PromotionReport, id: string) => {
  const found = r.coverage.find((c) => c.id === id);
  assert.ok(found, `no row ${id}`);
  return found;
};

/** Keeps a chain's records up to (not including) the first of `type`, renumbered. */
const until = (records: Loose[], type: string, stage?: string) =>
  records.slice(
    0,
    records.findIndex((r) => r.type === type && (!stage || r.stage === stage)),
  );
const without = (records: Loose[], pred: (r: Loose) => boolean) =>
  records.filter((r) => !pred(r)).map((r, seq) => ({ ...r, seq }));
const edit = (records: Loose[], type: string, fn: (r: Loose) => Loose) =>
  records.map((r) => (r.type === type ? fn(r) : r));
const editRules = (records: Loose[], fn: (rules: Record<string, unknown>[]) => Record<string, unknown>[]) =>
  edit(records, 'policy.evaluated', (r) => ({
    ...r,
    data: { ...r.data, rules: fn(r.data.rules as Record<string, unknown>[]) },
  }));
const chain = (o: ChainOptions = {}) => goodChain(o);
/** A promotion superseded while waiting for its first stage: it entered nothing. */
const nothingEntered = () => [
  ...until(chain(), 'stage.entered'),
  {
    ...chain().at(-1)!,
    seq: 1,
    type: 'promotion.superseded',
    data: { status: 'superseded', outcome: 'superseded by 1.4.3' },
  },
];
/** Rejected at prod's approval: policies ran, nothing reached prod, dev deployed. */
const nothingDeployed = () =>
  without(chain(), (r) =>
    ['deploy.completed', 'canary.step', 'canary.analysis', 'canary.promoted'].includes(r.type),
  );

type Case = { status: string; why: RegExp; records: () => Loose[]; opts?: Parameters<typeof report>[1] };
const ROWS: Record<string, Case[]> = {
  'ag-1-secure-templates': [
    { status: 'met', why: /hardening check.*all passed/, records: chain },
    {
      status: 'not met',
      why: /no hardening check/,
      records: () => editRules(chain(), (rules) => rules.filter((r) => r.pack !== 'deployment-config')),
    },
    {
      status: 'not met',
      why: /failing: run-as-non-root@dev/,
      records: () =>
        editRules(chain(), (rules) =>
          rules.map((r) => (r.ruleId === 'run-as-non-root' ? { ...r, outcome: 'fail' } : r)),
        ),
    },
    { status: 'not applicable', why: /nothing was deployed/, records: nothingDeployed },
  ],
  'ag-2-deployment-apis': [
    { status: 'met', why: /1 action\(s\) via cli, each authenticated by signature/, records: chain },
    {
      status: 'not met',
      why: /NOT authenticated: #\d+ approval.vote by bob/,
      records: () => edit(chain(), 'approval.vote', (r) => ({ ...r, actor: { id: 'bob', channel: 'cli' } })),
    },
    {
      status: 'not applicable',
      why: /no person acted/,
      records: () => without(chain(), (r) => r.type.startsWith('approval.')),
    },
  ],
  'ag-3-configuration-policies': [
    {
      status: 'met',
      why: /every entered stage \(dev, prod\) evaluated its packs.*no failed gate/,
      records: chain,
    },
    {
      // The default pipeline: a stage that runs zero packs records an evaluation with no rules.
      status: 'not met',
      why: /stage\(s\) ran NO policy rule: dev/,
      records: () =>
        edit(chain(), 'policy.evaluated', (r) =>
          r.stage === 'dev' ? { ...r, data: { ...r.data, packs: [], rules: [] } } : r,
        ),
    },
    {
      status: 'not met',
      why: /ticket-for-prod@prod NOT ENFORCED/,
      records: () =>
        editRules(chain(), (rules) =>
          rules.map((r) => (r.ruleId === 'ticket-for-prod' ? { ...r, outcome: 'fail' } : r)),
        ),
    },
    { status: 'not applicable', why: /no stage was entered/, records: nothingEntered },
  ],
  'ag-4-third-party': [
    { status: 'met', why: /SBOM: checked.*signed provenance: checked/, records: chain },
    {
      status: 'not met',
      why: /signed provenance: NOT CHECKED/,
      records: () =>
        editRules(chain(), (rules) => rules.filter((r) => r.ruleId !== 'provenance-covers-artifacts')),
    },
    { status: 'not applicable', why: /no stage was entered/, records: nothingEntered },
  ],
  'ag-5-disaster-recovery': [
    {
      status: 'met',
      why: /last drill 2026-02-20T10:00:00Z by erin: passed.*verified \(42 chains\)/,
      records: chain,
    },
    { status: 'not met', why: /no restore drill recorded/, records: chain, opts: { drills: [] } },
    {
      status: 'not met',
      why: /verification FAILED \(42 chains\): chain p-1: hash mismatch.*the drill FAILED/,
      records: chain,
      opts: { drills: [drill('2026-02-20T10:00:00Z', 'failed')] },
    },
    {
      status: 'not met',
      why: /older than 90 days/,
      records: chain,
      opts: { drills: [drill('2025-10-01T10:00:00Z')] },
    },
    { status: 'not applicable', why: /nothing was deployed/, records: nothingDeployed },
  ],
  'ag-5-rollback-readiness': [
    { status: 'met', why: /previous version recorded: dev 1.4.1, prod 1.4.1/, records: chain },
    {
      status: 'not met',
      why: /rollback FAILED at prod: target unreachable/,
      records: () => [
        ...chain().slice(0, -1),
        { ...chain().at(-1)!, type: 'rollback.failed', stage: 'prod', data: { error: 'target unreachable' } },
      ],
    },
    {
      status: 'not applicable',
      why: /first release of billing-api at dev, prod: no previous version to roll back to; last restore drill dr:ledger#0/,
      records: () => chain({ previous: null }),
    },
  ],
  'ag-6-procedures': [
    { status: 'met', why: /pipeline default \(dev → prod\), digest sha256:cdcd/, records: chain },
    {
      status: 'partial',
      why: /digest NOT RECORDED.*read back from its gates/,
      records: () => chain({ pipelineDigest: null }),
    },
    {
      status: 'not met',
      why: /ran NO policy pack: dev/,
      records: () =>
        edit(chain(), 'policy.evaluated', (r) =>
          r.stage === 'dev' ? { ...r, data: { ...r.data, packs: [], rules: [] } } : r,
        ),
    },
    { status: 'not applicable', why: /no stage was entered/, records: nothingEntered },
  ],
  'ag-7-segregation-of-duties': [
    { status: 'met', why: /votes: bob \[release-managers\] approve@prod/, records: chain },
    {
      status: 'not met',
      why: /SELF-APPROVAL by rita/,
      records: () =>
        edit(chain(), 'approval.vote', (r) => ({
          ...r,
          actor: { ...r.actor, id: 'rita' },
          data: { ...r.data, approver: 'rita' },
        })),
    },
    {
      status: 'not applicable',
      why: /no stage of this promotion required approval/,
      records: () => without(chain(), (r) => r.type.startsWith('approval.')),
    },
  ],
  'ag-8-identification': [
    { status: 'met', why: /deployed by dev: worker-dev@host-a, prod: worker-prod@host-b/, records: chain },
    {
      status: 'not met',
      why: /no worker identity on the deploy\(s\) at dev, prod/,
      records: () => chain({ workers: null }),
    },
    { status: 'not applicable', why: /nothing was deployed/, records: nothingDeployed },
  ],
  'ag-9-automation': [
    { status: 'met', why: /automatic gate decision.*0 manual intervention/, records: chain },
    {
      status: 'not met',
      why: /1 deploy\(s\) by a person/,
      records: () =>
        edit(chain(), 'deploy.completed', (r) =>
          r.stage === 'dev'
            ? { ...r, actor: { id: 'erin', channel: 'cli', verifiedBy: 'ed25519:erin-1' } }
            : r,
        ),
    },
    { status: 'not applicable', why: /no stage was entered/, records: nothingEntered },
  ],
  'add-standardized-process': [
    { status: 'met', why: /every stage \(dev → prod\) ran the same steps/, records: chain },
    {
      status: 'not met',
      why: /no exclusive stage lock at prod/,
      records: () => without(chain(), (r) => r.type === 'lock.acquired' && r.stage === 'prod'),
    },
    { status: 'not applicable', why: /no stage was entered/, records: nothingEntered },
  ],
  'add-separated-environments': [
    { status: 'met', why: /a distinct worker identity per stage, every one of 4 change/, records: chain },
    {
      // The demo: every stage served by one embedded worker, which the report says as such.
      status: 'partial',
      why: /one worker identity served several stages \(worker@laptop\)/,
      records: () => chain({ workers: { dev: 'worker@laptop', prod: 'worker@laptop' } }),
      opts: { workers: trustFor({ dev: 'worker@laptop', prod: 'worker@laptop' }) },
    },
    {
      status: 'not met',
      why: /4 of 4 stage change\(s\) not shown.*deploy.completed@dev \(#\d+\): unsigned/,
      records: () => chain({ workers: null }),
    },
    {
      // A prod deploy signed by the dev worker's own key: a real signature, of the wrong stage.
      status: 'not met',
      why: /deploy.completed@prod \(#\d+\): signed by worker-dev@host-a, a worker of dev, not of prod/,
      records: () => chain({ workers: { dev: 'worker-dev@host-a', prod: 'worker-dev@host-a' } }),
    },
    {
      status: 'not met',
      why: /signed as intruder .* by a key the report's config does not trust/,
      records: () => chain({ workers: { dev: 'worker-dev@host-a', prod: 'intruder' } }),
    },
    {
      // Someone who can write the ledger edits what was deployed after the worker signed it.
      status: 'not met',
      why: /1 of 4 stage change\(s\).*deploy.completed@prod .*does not trust/,
      records: () =>
        chain().map((r) =>
          r.type === 'deploy.completed' && r.stage === 'prod'
            ? { ...r, data: { ...r.data, serving: { ...(r.data.serving as object), app: 'other-app' } } }
            : r,
        ),
    },
    {
      status: 'not met',
      why: /the report's config trusts no stage worker keys/,
      records: chain,
      opts: { workers: [] },
    },
    { status: 'not applicable', why: /nothing was deployed/, records: nothingDeployed },
  ],
  'add-record-keeping': [
    { status: 'met', why: /archived: history.json/, records: chain },
    {
      status: 'not met',
      why: /the chain is not sealed.*no workflow history archived/,
      records: chain,
      opts: { sealed: false, archived: [] },
    },
    { status: 'not applicable', why: /still running/, records: () => chain().slice(0, -1) },
  ],
  'ai-eu-art50': [
    { status: 'met', why: /transparency-notice: passed/, records: () => chain({ ai: true }) },
    {
      status: 'not met',
      why: /FAILING transparency-notice/,
      records: () =>
        editRules(chain({ ai: true }), (rules) =>
          rules.map((r) => (r.ruleId === 'transparency-notice' ? { ...r, outcome: 'fail' } : r)),
        ),
    },
    {
      status: 'not applicable',
      why: /declares no AI component.*transparency-notice passed vacuously/,
      records: chain,
    },
  ],
};

for (const [id, cases] of Object.entries(ROWS))
  for (const c of cases)
    void test(`${id}: ${c.status} (${c.why.source.slice(0, 50)})`, () => {
      const r = row(report(c.records(), c.opts), id);
      assert.equal(r.status, c.status, r.detail);
      assert.match(r.detail, c.why);
    });

void test('each AI row is not applicable without an AI component and met with one', () => {
  const ids = ['ai-eu-art9', 'ai-eu-art50', 'ai-eu-art53-55', 'ai-iso42001', 'ai-nist-measure'];
  const plain = report(chain());
  const ai = report(chain({ ai: true }));
  for (const id of ids) {
    assert.equal(row(plain, id).status, 'not applicable', id);
    assert.equal(row(ai, id).status, 'met', `${id}: ${row(ai, id).detail}`);
  }
  // Vacuous AI rules evidence nothing: their controls are not listed as evidenced.
  assert.ok(!plain.controls.some((c) => /^(EUAIAct|ISO42001)/.test(c)), plain.controls.join(','));
  assert.ok(ai.controls.includes('EUAIAct:Art.50'));
});

void test('rows name the records they rest on, including records of other chains', () => {
  const r = report(chain());
  const dr = row(r, 'ag-5-disaster-recovery');
  assert.deepEqual(dr.related, ['dr:ledger#0']);
  const duties = row(r, 'ag-7-segregation-of-duties');
  const vote = chain().find((x) => x.type === 'approval.vote')!;
  assert.ok(duties.evidence.includes(vote.seq));
});

void test('one verdict at the top: met, met with exceptions, not met', () => {
  assert.equal(report(chain()).verdict.status, 'met', report(chain()).verdict.headline);
  const partial = report(chain({ pipelineDigest: null })).verdict;
  assert.equal(partial.status, 'met with exceptions');
  assert.deepEqual(partial.partial, ['ag-6-procedures']);
  const failed = report(chain({ workers: null }), { drills: [] }).verdict;
  assert.equal(failed.status, 'not met');
  assert.deepEqual(failed.notMet, [
    'ag-5-disaster-recovery',
    'ag-8-identification',
    'add-separated-environments',
  ]);
  assert.match(
    failed.headline,
    /^NOT MET: 10 of 13 applicable questions met\. not met: Disaster-recovery readiness; /,
  );
});

void test('the pipeline in force is read back from the gates, and what is not recorded is a gap', () => {
  const r = report(chain({ pipelineDigest: null }));
  const prod = r.pipeline.stages.find((s) => s.name === 'prod')!;
  assert.equal(prod.approval, '1 approval(s) from release-managers, deadline 2026-03-03T09:00:00Z');
  assert.equal(prod.canary, 'weights 50%; thresholds error-rate max 0.05');
  assert.deepEqual(prod.policyPacks, ['supply-chain@1', 'deployment-config@1']);
  assert.match(r.pipeline.gaps.join('\n'), /pipeline definition and its digest are not recorded/);
  assert.match(r.pipeline.gaps.join('\n'), /not by content hash/);
});

void test("every record's actor is shown, including the person behind a system record", () => {
  const records = chain();
  const freeze = (type: string, data: Record<string, unknown>): Loose => ({
    ...records.at(-1)!,
    seq: records.length,
    stage: 'prod',
    type,
    data,
  });
  const r = report([
    ...records.slice(0, -1),
    freeze('freeze.held', { reason: 'INC-7', by: 'erin' }),
    { ...freeze('freeze.lifted', {}), seq: records.length + 1 },
  ]);
  const actor = (type: string) => r.timeline.find((t) => t.type === type)!.actor;
  assert.equal(actor('approval.vote'), 'bob (cli, ed25519:bob-1)');
  assert.equal(actor('freeze.held'), 'erin via tollgate (system)');
  assert.equal(actor('freeze.lifted'), 'tollgate (system); who lifted the freeze is not recorded');
});
