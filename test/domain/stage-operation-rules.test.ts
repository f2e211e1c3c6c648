/**
 * Two rules the workflows, the stage workers and the targets share, each written once in
 * src/domain: the idempotency key of a stage operation, and which version a rollback restores.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deployUndoneBy, formatOperationKey, parseOperationKey } from '../../src/domain/operation-key.js';
import { versionToRestore, versionToRestoreFrom } from '../../src/domain/rollback-rule.js';

const keys = [
  { key: { promotionId: 'p1', stage: 'prod', op: 'deploy' as const }, text: 'p1/prod/deploy' },
  { key: { promotionId: 'p1', stage: 'prod', op: 'weight' as const, step: 2 }, text: 'p1/prod/weight/2' },
  {
    key: { promotionId: 'p1', stage: 'prod', op: 'analysis' as const, step: 0, measurement: 3 },
    text: 'p1/prod/analysis/0/3',
  },
  { key: { promotionId: 'rb-9', stage: 'dev', op: 'restore' as const }, text: 'rb-9/dev/restore' },
];
for (const { key, text } of keys) {
  void test(`operation key ${text}: format and parse are inverses`, () => {
    assert.equal(formatOperationKey(key), text);
    assert.deepEqual(parseOperationKey(text), key);
  });
}

for (const bad of ['p1/prod', 'p1/prod/', '/prod/deploy', 'p1/prod/weight/x', 'p1/prod/analysis/1/2/3']) {
  void test(`operation key ${JSON.stringify(bad)} does not parse`, () => {
    assert.equal(parseOperationKey(bad), undefined);
  });
}

void test("a promotion's stage rollback names the deploy it undoes; an operator's restore names none", () => {
  assert.equal(deployUndoneBy('p1/prod/rollback'), 'p1/prod/deploy');
  assert.equal(deployUndoneBy('rb-9/prod/restore'), undefined);
  assert.equal(deployUndoneBy('p1/prod/deploy'), undefined);
  assert.equal(deployUndoneBy('something/rollback'), undefined);
});

const restores: {
  serving: Parameters<typeof versionToRestore>[0];
  to?: string;
  restores?: string;
  why: string;
}[] = [
  {
    serving: { stable: '1.0', canary: '1.1' },
    restores: '1.0',
    why: 'during a canary: the stable beside it',
  },
  {
    serving: { stable: '1.1', previousStable: '1.0' },
    restores: '1.0',
    why: 'after a promotion: the one before',
  },
  {
    serving: { stable: '1.1', previousStable: '1.0' },
    to: '0.9',
    restores: '0.9',
    why: 'a named version wins',
  },
  { serving: { stable: '1.0' }, restores: undefined, why: 'nothing earlier to return to' },
  { serving: {}, restores: undefined, why: 'not deployed' },
];
for (const r of restores) {
  void test(`rollback restores ${String(r.restores)}: ${r.why}`, () => {
    assert.equal(versionToRestore(r.serving, r.to), r.restores);
    assert.equal(
      versionToRestoreFrom(
        {
          ...(r.serving.stable ? { stable: { version: r.serving.stable } } : {}),
          ...(r.serving.canary ? { canary: { version: r.serving.canary } } : {}),
          ...(r.serving.previousStable ? { previousStable: r.serving.previousStable } : {}),
        },
        r.to,
      ),
      r.restores,
    );
  });
}
