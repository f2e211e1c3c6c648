/** The tally of a step's repeated measurements, table-tested without a server. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EMPTY_TALLY,
  addMeasurement,
  concludeMeasurements,
  type StepDecision,
} from '../../workflows/canary-measurements.js';

const policy = { failureLimit: 1, inconclusiveLimit: 1, consecutiveErrorLimit: 2 };

function run(verdicts: string[]): StepDecision & { after: number } {
  let tally = EMPTY_TALLY;
  for (const v of verdicts) {
    const analysis =
      v === 'error'
        ? { verdict: 'inconclusive' as const, reason: 'provider down', providerError: 'provider down' }
        : { verdict: v as 'pass' | 'fail' | 'inconclusive', reason: `measured ${v}` };
    const added = addMeasurement(policy, tally, analysis);
    tally = added.tally;
    if (added.decision) return { ...added.decision, after: tally.taken };
  }
  return { ...concludeMeasurements(tally), after: tally.taken };
}

const table: [string[], StepDecision['verdict'], number, RegExp][] = [
  [['pass', 'pass', 'pass'], 'pass', 3, /3 passed, 0 failed, 0 inconclusive of 3/],
  [['pass', 'fail', 'pass'], 'pass', 3, /1 failed/],
  [['fail', 'pass', 'fail'], 'fail', 3, /2 of 3 measurements failed \(failureLimit 1\): measured fail/],
  [['inconclusive', 'inconclusive'], 'inconclusive', 2, /2 of 2 measurements were inconclusive/],
  [['error', 'error', 'pass'], 'pass', 3, /1 passed/],
  [['error', 'error', 'error'], 'inconclusive', 3, /3 measurements in a row had no answer.*provider down/],
  [['error', 'pass', 'error', 'error', 'pass'], 'pass', 5, /2 passed/],
  [['error', 'error'], 'inconclusive', 2, /no measurement passed/],
];

for (const [verdicts, verdict, after, reason] of table) {
  void test(`measurements ${verdicts.join(', ')} → ${verdict} after ${after}`, () => {
    const got = run(verdicts);
    assert.equal(got.verdict, verdict, got.reason);
    assert.equal(got.after, after);
    assert.match(got.reason, reason);
  });
}
