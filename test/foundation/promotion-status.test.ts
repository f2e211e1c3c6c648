/**
 * Promotion statuses and the records that end a chain are one list each: every way a promotion
 * can end writes a record the ledger treats as terminal, and only `running` is not ended.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TERMINAL_TYPES } from '../../src/domain/evidence.js';
import { endRecordType, PROMOTION_STATUSES } from '../../src/domain/promotion-status.js';
import { isEnded, STATUSES } from '../../src/cli/statuses.js';

void test('every ended status ends its chain with a terminal record; running is not ended', () => {
  assert.deepEqual(STATUSES, PROMOTION_STATUSES);
  for (const status of PROMOTION_STATUSES) {
    if (status === 'running') {
      assert.equal(isEnded(status), false);
      continue;
    }
    assert.ok(TERMINAL_TYPES.has(endRecordType(status)), `${status} → ${endRecordType(status)}`);
    assert.equal(isEnded(status), true, status);
  }
  assert.equal(endRecordType('succeeded'), 'promotion.completed');
  assert.equal(endRecordType('rolled-back'), 'promotion.rolled-back');
});
