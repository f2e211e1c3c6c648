import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openOnUse } from '../../src/worker/open-on-use.js';

void test('a failed open is tried again on the next use, and a successful one is kept', async () => {
  let attempts = 0;
  const ledger = openOnUse(async () => {
    attempts++;
    if (attempts === 1) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    return { id: attempts };
  });
  assert.equal(ledger.opened(), undefined);
  await assert.rejects(ledger(), /ECONNREFUSED/);
  assert.equal(ledger.opened(), undefined, 'the failure is not kept');
  assert.deepEqual(await ledger(), { id: 2 });
  assert.deepEqual(await ledger(), { id: 2 });
  assert.equal(attempts, 2);
  assert.ok(ledger.opened());
});
