/**
 * The rules a running promotion applies to controls, waivers and freezes, table by table and
 * without a server: real Ed25519 signatures, checked against a trust snapshot as the workflow
 * has it, each row naming the problem a person would be shown (or none).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  Action,
  ControlAction,
  FreezeAction,
  Signed,
  TrustSnapshot,
  WaiverAction,
} from '../../src/approvals/actions.js';
import { generateSigningKey, principalKeyId, rawPublicKey, signAction } from '../../src/keys.js';
import { controlProblem, type ControlContext } from '../../workflows/control-rules.js';
import { waived, waiverProblem, type WaiverContext } from '../../workflows/waiver-rules.js';
import { freezeProblem, freezeSignalProblem } from '../../workflows/freeze-rules.js';
import type { StageState } from '../../workflows/types.js';

const groups: Record<string, string[]> = {
  alice: ['dev'],
  olga: ['ops'],
  april: ['approvers'],
  wendy: ['break-glass'],
  mallory: [],
};
const keys = Object.fromEntries(
  Object.keys(groups).map((id) => {
    const key = generateSigningKey();
    return [id, { key, keyId: principalKeyId(id, rawPublicKey(key)), raw: rawPublicKey(key) }];
  }),
);
const trust: TrustSnapshot = {
  principals: Object.entries(groups).map(([id, g]) => ({ id, groups: g })),
  keys: Object.fromEntries(
    Object.entries(keys).map(([id, k]) => [
      k.keyId,
      { publicKeyHex: k.raw.toString('hex'), kind: 'principal' as const, principal: id },
    ]),
  ),
};
const sign = <T extends Action>(payload: T, signer = payload.actor): Signed<T> =>
  signAction(payload, keys[signer]!.keyId, keys[signer]!.key);
const base = {
  promotionId: 'p-1',
  channel: 'cli' as const,
  issuedAt: '2026-03-02T10:00:00.000Z',
  nonce: 'n0nce-123',
};

// ——— controls ———

const control = (actor: string, command: ControlAction['command'], extra: Partial<ControlAction> = {}) =>
  sign<ControlAction>({ ...base, kind: 'control', actor, command, ...extra });
const waiting = (step: number): StageState => ({
  name: 'staging',
  status: 'running',
  canary: { step, steps: 3, weight: 10, analyses: [], awaitingDecision: true },
});
const running: ControlContext = {
  promotionId: 'p-1',
  trust,
  requester: 'alice',
  operatorGroups: ['ops'],
  status: 'running',
  gate: 'approval',
  paused: false,
  aborting: false,
  current: { approverGroups: ['approvers'], state: { name: 'staging', status: 'running' } },
};
const atCanary = (state: StageState): ControlContext => ({
  ...running,
  gate: 'canary',
  current: { approverGroups: ['approvers'], state },
});

const controls: { why: string; signed: Signed<ControlAction>; ctx?: ControlContext; problem?: RegExp }[] = [
  { why: 'the requester pauses', signed: control('alice', 'pause') },
  { why: 'an operator aborts', signed: control('olga', 'abort') },
  {
    why: 'a stranger pauses',
    signed: control('mallory', 'pause'),
    problem: /mallory may not pause: not the requester nor an operator/,
  },
  {
    why: 'a signature by another key',
    signed: { ...control('mallory', 'abort'), keyId: keys.olga!.keyId },
    problem: /belongs to olga, not mallory/,
  },
  {
    why: 'an altered payload',
    signed: {
      ...control('olga', 'pause'),
      payload: { ...control('olga', 'pause').payload, command: 'abort' },
    },
    problem: /signature does not verify/,
  },
  {
    why: 'another promotion',
    signed: control('olga', 'pause', { promotionId: 'p-2' }),
    problem: /control action is for promotion p-2, not p-1/,
  },
  {
    why: 'an ended promotion',
    signed: control('olga', 'pause'),
    ctx: { ...running, status: 'succeeded' },
    problem: /promotion already ended \(succeeded\)/,
  },
  {
    why: 'pause while paused',
    signed: control('olga', 'pause'),
    ctx: { ...running, paused: true },
    problem: /already paused/,
  },
  { why: 'resume while running', signed: control('olga', 'resume'), problem: /is not paused/ },
  {
    why: 'abort twice',
    signed: control('alice', 'abort'),
    ctx: { ...running, aborting: true },
    problem: /already being aborted/,
  },
  {
    why: 'promote-now by the requester',
    signed: control('alice', 'promote-now'),
    ctx: atCanary(waiting(1)),
    problem: /only operators may skip a bake/,
  },
  {
    why: 'promote-now outside a canary',
    signed: control('olga', 'promote-now'),
    problem: /only applies while a canary is baking/,
  },
  { why: 'promote-now while baking', signed: control('olga', 'promote-now'), ctx: atCanary(waiting(1)) },
  {
    why: 'an approver continues the waiting step',
    signed: control('april', 'continue', { stage: 'staging', step: 2 }),
    ctx: atCanary(waiting(2)),
  },
  {
    why: 'the requester decides on the canary',
    signed: control('alice', 'rollback'),
    ctx: atCanary(waiting(2)),
    problem: /not an approver of this stage/,
  },
  {
    why: 'a stale step',
    signed: control('april', 'continue', { step: 1 }),
    ctx: atCanary(waiting(2)),
    problem: /answers step 1, but the analysis waiting at staging is step 2/,
  },
  {
    why: 'another stage',
    signed: control('olga', 'rollback', { stage: 'prod' }),
    ctx: atCanary(waiting(2)),
    problem: /decision is for stage prod/,
  },
  {
    why: 'no analysis waiting',
    signed: control('olga', 'continue'),
    ctx: atCanary({ ...waiting(2), canary: { ...waiting(2).canary!, awaitingDecision: false } }),
    problem: /no inconclusive canary analysis is waiting/,
  },
  {
    why: 'a decision before any stage',
    signed: control('olga', 'continue'),
    ctx: { ...running, current: undefined },
    problem: /no inconclusive canary analysis is waiting/,
  },
];

for (const c of controls)
  void test(`control: ${c.why} → ${c.problem ? 'refused' : 'accepted'}`, () => {
    const problem = controlProblem(c.signed, c.ctx ?? running);
    if (c.problem) assert.match(problem ?? '(accepted)', c.problem);
    else assert.equal(problem, undefined);
  });

// ——— waivers ———

const now = Date.parse('2026-03-02T12:00:00.000Z');
const waiver = (actor: string, extra: Partial<WaiverAction> = {}) =>
  sign<WaiverAction>({
    ...base,
    kind: 'waiver',
    actor,
    stage: 'staging',
    waives: ['cve-critical'],
    justification: 'hotfix for an outage, CVE not reachable',
    expiresAt: '2026-03-02T14:00:00.000Z',
    ...extra,
  });
const waiverCtx: WaiverContext = {
  promotionId: 'p-1',
  stages: ['dev', 'staging', 'prod'],
  trust,
  waiverGroups: ['break-glass'],
  requester: 'alice',
  now,
};
const waivers: { why: string; signed: Signed<WaiverAction>; ctx?: WaiverContext; problem?: RegExp }[] = [
  { why: 'a break-glass member waives', signed: waiver('wendy') },
  {
    why: 'an operator outside the waiver groups',
    signed: waiver('olga'),
    problem: /olga may not grant waivers \(waiver groups: break-glass\)/,
  },
  {
    why: 'no waiver groups configured',
    signed: waiver('wendy'),
    ctx: { ...waiverCtx, waiverGroups: [] },
    problem: /waiver groups: none/,
  },
  {
    why: 'the requester waives their own gates',
    signed: waiver('alice'),
    ctx: { ...waiverCtx, waiverGroups: ['dev'] },
    problem: /segregation of duties: alice requested this release/,
  },
  { why: 'an unknown stage', signed: waiver('wendy', { stage: 'qa' }), problem: /unknown stage qa/ },
  {
    why: 'another promotion',
    signed: waiver('wendy', { promotionId: 'p-9' }),
    problem: /waiver is for promotion p-9, not p-1/,
  },
  {
    why: 'an expiry that is not a time',
    signed: waiver('wendy', { expiresAt: 'tomorrow' }),
    problem: /expiresAt tomorrow is not an ISO-8601 time/,
  },
  {
    why: 'an expiry in the past',
    signed: waiver('wendy', { expiresAt: '2026-03-02T11:59:59.000Z' }),
    problem: /already expired/,
  },
  {
    why: 'an unregistered key',
    signed: { ...waiver('wendy'), keyId: 'principal:wendy:0000' },
    problem: /unknown signing key principal:wendy:0000/,
  },
];
for (const w of waivers)
  void test(`waiver: ${w.why} → ${w.problem ? 'refused' : 'accepted'}`, () => {
    const problem = waiverProblem(w.signed, w.ctx ?? waiverCtx);
    if (w.problem) assert.match(problem ?? '(accepted)', w.problem);
    else assert.equal(problem, undefined);
  });

void test('waiver: a granted waiver covers its stage and ids until it expires', () => {
  const granted = [waiver('wendy', { waives: ['cve-critical', 'change-window'] }).payload];
  const rows: [string, string, number, boolean][] = [
    ['staging', 'cve-critical', now, true],
    ['staging', 'change-window', now, true],
    ['staging', 'sbom-present', now, false],
    ['prod', 'cve-critical', now, false],
    ['staging', 'cve-critical', Date.parse('2026-03-02T14:00:00.000Z'), false],
  ];
  for (const [stage, id, at, expected] of rows)
    assert.equal(waived(granted, stage, id, at), expected, `${stage} ${id} at ${new Date(at).toISOString()}`);
});

// ——— freezes ———

const freeze = (actor: string, frozen: boolean, issuedAt: string, extra: Partial<FreezeAction> = {}) =>
  sign<FreezeAction>({ ...base, kind: 'freeze', actor, frozen, reason: 'incident 42', issuedAt, ...extra });
const freezeCtx = { trust, operatorGroups: ['ops'] };
const freezes: {
  why: string;
  signed: Signed<FreezeAction>;
  inForceIssuedAt?: string;
  problem?: RegExp;
  signal?: RegExp;
}[] = [
  { why: 'an operator freezes', signed: freeze('olga', true, '2026-03-02T10:00:00.000Z') },
  {
    why: 'an operator lifts a freeze issued earlier',
    signed: freeze('olga', false, '2026-03-02T11:00:00.000Z'),
    inForceIssuedAt: '2026-03-02T10:00:00.000Z',
  },
  {
    why: 'a replayed older unfreeze',
    signed: freeze('olga', false, '2026-03-02T09:00:00.000Z'),
    inForceIssuedAt: '2026-03-02T10:00:00.000Z',
    problem: /this unfreeze was issued at 2026-03-02T09:00:00.000Z, not after the freeze action in force/,
  },
  {
    why: 'the same freeze again',
    signed: freeze('olga', true, '2026-03-02T10:00:00.000Z'),
    inForceIssuedAt: '2026-03-02T10:00:00.000Z',
    problem: /not after the freeze action in force/,
  },
  {
    why: 'a non-operator',
    signed: freeze('alice', true, '2026-03-02T10:00:00.000Z'),
    problem: /alice is not an operator \(ops\)/,
    signal: /alice is not an operator/,
  },
  {
    why: 'an issuedAt that is not a time',
    signed: freeze('olga', true, 'now'),
    problem: /issuedAt now is not an ISO-8601 time/,
  },
  {
    why: 'a forged signature',
    signed: { ...freeze('olga', true, '2026-03-02T10:00:00.000Z'), signature: '00'.repeat(64) },
    problem: /signature does not verify/,
    signal: /signature does not verify/,
  },
];
for (const f of freezes)
  void test(`freeze: ${f.why} → ${f.problem ? 'refused' : 'accepted'}`, () => {
    const problem = freezeProblem(f.signed, {
      ...freezeCtx,
      ...(f.inForceIssuedAt ? { inForceIssuedAt: f.inForceIssuedAt } : {}),
    });
    if (f.problem) assert.match(problem ?? '(accepted)', f.problem);
    else assert.equal(problem, undefined);
    // Promotions started before signed starts check signer and group only, not the order.
    const signal = freezeSignalProblem(f.signed, freezeCtx);
    if (f.signal) assert.match(signal ?? '(accepted)', f.signal);
    else assert.equal(signal, undefined);
  });

void test('freeze: a message that is not a freeze action is refused, not crashed on', () => {
  const vote = {
    payload: { kind: 'vote' },
    keyId: keys.olga!.keyId,
    signature: '',
  } as unknown as Signed<FreezeAction>;
  assert.equal(freezeProblem(vote, freezeCtx), 'not a signed freeze action');
});
