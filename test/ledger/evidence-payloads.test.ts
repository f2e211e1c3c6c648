/**
 * Evidence payloads as one discriminated union: the ledger refuses a record whose data does not
 * have its type's shape (saying which field), accepts the shapes producers write (including a
 * stage worker's identity it does not know field by field), and readers get typed payloads or
 * nothing, never a throw, from records of older shapes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { EvidenceType, isTerminal, payloadOf, payloadProblem } from '../../src/domain/evidence.js';
import { summarize } from '../../src/audit/list.js';
import { createLedger } from '../../src/ledger/create.js';
import { createLogger } from '../../src/logging/logger.js';
import { suiteSigner } from './ledger-suite.js';
import { promotionChain } from './samples.js';

const root = await mkdtemp(path.join(tmpdir(), 'tollgate-payloads-'));
after(() => rm(root, { recursive: true, force: true }));

void describe('evidence payload schemas', () => {
  const cases: { type: string; data: unknown; problem?: RegExp }[] = [
    { type: 'rollback.requested', data: { app: 'billing', stage: 'prod', toVersion: null } },
    { type: 'rollback.requested', data: { stage: 'prod' }, problem: /^data\.app: / },
    { type: 'approval.vote', data: { approver: 'ann', decision: 7 }, problem: /^data\.decision: / },
    { type: 'promotion.rolled-back', data: { status: 'rolled-back', outcome: 'canary failed' } },
    {
      type: 'deploy.completed',
      data: {
        version: '1.2.0',
        serving: {
          version: '1.2.0',
          worker: {
            identity: 'prod-worker',
            stage: 'prod',
            keyId: 'worker:prod-worker:ab12',
            operation: 'p1/prod/deploy',
            signature: 'a'.repeat(128),
          },
        },
      },
    },
    {
      type: 'deploy.completed',
      data: { version: '1.2.0', serving: { worker: { stage: 'prod' } } },
      problem: /^data\.serving\.worker\.identity: /,
    },
    { type: 'canary.analysis', data: { step: '1' }, problem: /^data\.step: / },
    { type: 'lock.released', data: { app: 'billing', holder: { workflowId: 'w', runId: 'r' } } },
    { type: 'deploy.failed', data: {}, problem: /type/ },
  ];
  for (const c of cases) {
    void it(`${c.type} ${JSON.stringify(c.data)} → ${c.problem ? 'refused' : 'accepted'}`, () => {
      const problem = payloadProblem(c);
      if (c.problem) assert.match(problem ?? '', c.problem);
      else assert.equal(problem, undefined);
    });
  }

  void it('one terminal list: every promotion end and no other record type is terminal', () => {
    const terminal = EvidenceType.options.filter((t) => isTerminal(t));
    assert.deepEqual(terminal.sort(), [
      'promotion.aborted',
      'promotion.completed',
      'promotion.expired',
      'promotion.failed',
      'promotion.rejected',
      'promotion.rolled-back',
      'promotion.superseded',
      'promotion.terminated',
      'promotion.timed-out',
    ]);
  });

  void it('payloadOf reads a typed payload, and nothing from another type or an old shape', () => {
    const record = {
      type: 'rollback.requested',
      data: { app: 'billing', stage: 'prod', toVersion: '1.0.0' },
    };
    assert.equal(payloadOf(record, 'rollback.requested')?.toVersion, '1.0.0');
    assert.equal(payloadOf(record, 'promotion.started'), undefined);
    assert.equal(
      payloadOf({ type: 'rollback.requested', data: { app: 1 } }, 'rollback.requested'),
      undefined,
    );
  });
});

void describe('the ledger checks payloads on append', () => {
  void it('refuses a record whose data does not have its type shape, naming the field', async () => {
    const ledger = await createLedger(
      { type: 'file', path: path.join(root, 'refuse') },
      { logger: createLogger({ level: 'silent' }), signer: suiteSigner },
    );
    try {
      await assert.rejects(
        ledger.append({
          chainId: 'rb-1',
          seq: 0,
          promotionId: 'rb-1',
          type: 'rollback.requested',
          actor: { id: 'ops', channel: 'cli' },
          time: '2026-03-01T10:00:00.000Z',
          data: { stage: 'prod' },
          controls: [],
        }),
        /rb-1#0 \(rollback\.requested\): data\.app: /,
      );
      assert.deepEqual(await ledger.read('rb-1'), []);
    } finally {
      await ledger.close();
    }
  });

  void it('stores the sample chains, and audit list reads a rolled-back promotion of the older shape (promotion.failed, status rolled-back)', async () => {
    const ledger = await createLedger(
      { type: 'file', path: path.join(root, 'accept') },
      { logger: createLogger({ level: 'silent' }), signer: suiteSigner },
    );
    try {
      for (const input of promotionChain('p-1', 'rolled-back')) await ledger.append(input);
      const records = await ledger.read('p-1');
      assert.ok(records.length > 3);
      const summary = summarize(records, true, 0);
      assert.equal(summary?.status, 'rolled-back');
      assert.equal(summary?.app, 'billing-api');
    } finally {
      await ledger.close();
    }
  });
});
