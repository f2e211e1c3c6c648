/**
 * The workflows' pure rule modules, table by table and without a server: approval quorum (with
 * distinct groups), who may approve, change windows in UTC, and which controls a record supports.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApprovalRule, ChangeWindow } from '../../src/config/schema.js';
import { EvidenceType } from '../../src/domain/evidence.js';
import { approvalDecision, countedApprovals, eligibleGroups } from '../../workflows/approval-rules.js';
import { isWindowOpen, nextWindowOpening } from '../../workflows/change-windows.js';
import { controlsFor } from '../../workflows/controls.js';
import type { VoteRecord } from '../../workflows/types.js';

const vote = (
  approver: string,
  groups: string[],
  decision: VoteRecord['decision'] = 'approve',
): VoteRecord => ({
  approver,
  decision,
  channel: 'cli',
  groups,
  at: '2026-03-02T10:00:00.000Z',
  keyId: `${approver}-key`,
});
const rule = (quorum: number, distinctGroups = false): ApprovalRule => ({
  groups: ['dev', 'security'],
  quorum,
  distinctGroups,
  timeout: '24h',
});

const approvals: {
  why: string;
  votes: VoteRecord[];
  rule: ApprovalRule;
  counted: number;
  decision: string;
}[] = [
  { why: 'no votes yet', votes: [], rule: rule(1), counted: 0, decision: 'pending' },
  {
    why: 'one approval meets quorum 1',
    votes: [vote('ann', ['dev'])],
    rule: rule(1),
    counted: 1,
    decision: 'approved',
  },
  {
    why: 'one rejection decides, whatever the approvals',
    votes: [vote('ann', ['dev']), vote('bob', ['security']), vote('cy', ['dev'], 'reject')],
    rule: rule(2),
    counted: 2,
    decision: 'rejected',
  },
  {
    why: 'two approvals from one group do not make two distinct groups',
    votes: [vote('ann', ['dev']), vote('bob', ['dev'])],
    rule: rule(2, true),
    counted: 1,
    decision: 'pending',
  },
  {
    why: 'distinct groups are matched whatever the order of votes',
    votes: [vote('ann', ['dev', 'security']), vote('bob', ['dev'])],
    rule: rule(2, true),
    counted: 2,
    decision: 'approved',
  },
  {
    why: 'without distinct groups, same-group approvals count',
    votes: [vote('ann', ['dev']), vote('bob', ['dev'])],
    rule: rule(2),
    counted: 2,
    decision: 'approved',
  },
];
for (const a of approvals) {
  void test(`approval: ${a.why} → ${a.decision}`, () => {
    assert.equal(countedApprovals(a.votes, a.rule), a.counted);
    assert.equal(approvalDecision(a.votes, a.rule), a.decision);
  });
}

void test('approval: an approver counts only in the rule groups they belong to', () => {
  const trust = {
    principals: [
      { id: 'ann', groups: ['dev', 'ops'] },
      { id: 'bob', groups: ['ops'] },
    ],
  } as unknown as Parameters<typeof eligibleGroups>[2];
  assert.deepEqual(eligibleGroups('ann', rule(1), trust), ['dev']);
  assert.deepEqual(eligibleGroups('bob', rule(1), trust), []);
  assert.deepEqual(eligibleGroups('mallory', rule(1), trust), []);
});

const weekdays: ChangeWindow[] = [{ days: ['mon', 'tue', 'wed', 'thu'], start: '09:00', end: '16:00' }];
// 2026-03-02 is a Monday.
const windows: { why: string; windows: ChangeWindow[]; at: string; open: boolean; next?: string }[] = [
  {
    why: 'no windows: always open',
    windows: [],
    at: '2026-03-07T03:00:00Z',
    open: true,
    next: '2026-03-07T03:00:00Z',
  },
  { why: 'inside', windows: weekdays, at: '2026-03-02T09:00:00Z', open: true, next: '2026-03-02T09:00:00Z' },
  {
    why: 'the end is exclusive',
    windows: weekdays,
    at: '2026-03-02T16:00:00Z',
    open: false,
    next: '2026-03-03T09:00:00Z',
  },
  {
    why: 'before opening',
    windows: weekdays,
    at: '2026-03-02T08:59:00Z',
    open: false,
    next: '2026-03-02T09:00:00Z',
  },
  {
    why: 'Friday waits for Monday',
    windows: weekdays,
    at: '2026-03-06T12:00:00Z',
    open: false,
    next: '2026-03-09T09:00:00Z',
  },
  {
    why: 'a window that never opens',
    windows: [{ days: ['mon'], start: '10:00', end: '10:00' }],
    at: '2026-03-02T12:00:00Z',
    open: false,
    next: undefined,
  },
];
for (const w of windows) {
  void test(`change window: ${w.why} (${w.at})`, () => {
    const at = new Date(w.at);
    assert.equal(isWindowOpen(w.windows, at), w.open);
    assert.equal(nextWindowOpening(w.windows, at)?.toISOString(), w.next && new Date(w.next).toISOString());
  });
}

const controls: { type: EvidenceType; includes: string[] }[] = [
  { type: 'approval.vote', includes: ['ISO27001:A.5.3'] },
  { type: 'deploy.completed', includes: ['ISO27001:A.8.31', 'BSI-C5:DEV-10'] },
  { type: 'security.refused', includes: ['ISO27001:A.5.15', 'ISO27001:A.8.15'] },
  { type: 'promotion.rolled-back', includes: ['ISO27001:A.8.32', 'CSA-CCM:AIS-06'] },
];
for (const c of controls) {
  void test(`controls: ${c.type} supports ${c.includes.join(', ')}`, () => {
    const ids = controlsFor(c.type);
    for (const id of c.includes) assert.ok(ids.includes(id), `${c.type}: ${ids.join(', ')}`);
  });
}

void test('controls: every evidence type supports some control, extras are merged once and sorted', () => {
  for (const type of EvidenceType.options) assert.ok(controlsFor(type).length > 0, type);
  const ids = controlsFor('policy.evaluated', ['ISO27001:A.8.9', 'A-EXTRA']);
  assert.deepEqual(ids, [...new Set(ids)].sort());
  assert.ok(ids.includes('A-EXTRA'));
});
