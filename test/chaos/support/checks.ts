/**
 * What every chaos run must show afterwards, whatever was done to it: the outcome expected of
 * the release, every evidence record the workflow numbered present exactly once in the ledger,
 * the chains verifying (hashes, archived histories), and each target operation done once.
 */
import { verifyLedger } from '../../../src/audit/verify.js';
import type { EvidenceRecord } from '../../../src/domain/evidence.js';
import type { OperationLogEntry } from '../../../src/targets/target.js';
import type { PromotionResult, PromotionStatus } from '../../../workflows/types.js';
import type { ScenarioResult } from '../types.js';
import { STAGES, type Installation, type Promotion } from './installation.js';
import type { PromotionRun } from './run-promotion.js';

export type TargetOperationLog = OperationLogEntry[];

export interface RunCheck {
  run: string;
  passed: boolean;
  lostRecords: number;
  duplicatedOperations: number;
  problems: string[];
  chain: EvidenceRecord[];
  operations: string[];
}

export interface Expectation {
  status: PromotionStatus;
  /** Evidence types in order, from an undisturbed run of the same release. */
  evidence?: string[];
  /** Target operations in order, from an undisturbed run of the same release. */
  operations?: string[];
  /** Evidence types the chain must contain. */
  records?: string[];
  /** What the promotion's outcome must say. */
  outcome?: RegExp;
}

/** `<stage> <op> <weight>` of each operation of the promotion, in the order the target did them. */
async function promotionOperations(inst: Installation, promotionId: string) {
  const entries: { stage: string; entry: OperationLogEntry }[] = [];
  for (const stage of STAGES)
    for (const entry of await inst.operationLog(stage))
      if (entry.key.startsWith(`${promotionId}/`)) entries.push({ stage, entry });
  return entries;
}

export async function checkRun(
  inst: Installation,
  run: string,
  p: Promotion,
  result: PromotionResult | Error,
  expect: Expectation,
): Promise<RunCheck> {
  const problems: string[] = [...inst.workerFailures];
  const id = p.input.promotionId;
  if (result instanceof Error) problems.push(`did not finish: ${result.message}`);
  else if (result.status !== expect.status)
    problems.push(`ended ${result.status} (${result.outcome}), expected ${expect.status}`);
  else if (expect.outcome && !expect.outcome.test(result.outcome))
    problems.push(`outcome "${result.outcome}" does not match ${String(expect.outcome)}`);

  const chain = await inst.ledger.read(id);
  const seqs = new Set(chain.map((r) => r.seq));
  const numbered = result instanceof Error ? Math.max(0, ...seqs) + 1 : result.evidenceRecords;
  let lostRecords = 0;
  for (let seq = 0; seq < numbered; seq++) if (!seqs.has(seq)) lostRecords++;
  const duplicatedRecords = chain.length - seqs.size;
  const beyond = chain.filter((r) => r.seq >= numbered).length;
  if (lostRecords) problems.push(`${lostRecords} of ${numbered} evidence records missing from the ledger`);
  if (duplicatedRecords) problems.push(`${duplicatedRecords} evidence records stored twice`);
  if (beyond) problems.push(`${beyond} evidence records beyond the ${numbered} the workflow numbered`);
  const types: string[] = chain.map((r) => r.type);
  const absent = (expect.records ?? []).filter((type) => !types.includes(type));
  if (absent.length) problems.push(`no ${absent.join(', ')} evidence`);
  if (expect.evidence && types.join() !== expect.evidence.join())
    problems.push(`evidence differs from the undisturbed run: ${types.join(' ')}`);

  const verification = await verifyLedger(inst.ledger, { promotionId: id });
  if (!verification.ok)
    problems.push(
      `ledger verification failed: ${JSON.stringify(verification.firstBad ?? verification.artifacts.filter((a) => !a.ok))}`,
    );

  const entries = await promotionOperations(inst, id);
  const operations = entries.map(({ stage, entry }) =>
    [stage, entry.op, entry.weight].filter((x) => x !== undefined).join(' '),
  );
  // A repeated key is also a repeated `<stage> <op> <weight>`: count each repeat once.
  const duplicatedOperations = operations.length - new Set(operations).size;
  if (duplicatedOperations)
    problems.push(`target operation log repeats operations: ${operations.join(', ')}`);
  if (expect.operations && operations.join() !== expect.operations.join())
    problems.push(`target operations differ from the undisturbed run: ${operations.join(', ')}`);

  return {
    run,
    passed: problems.length === 0,
    lostRecords,
    duplicatedOperations: duplicatedOperations + duplicatedRecords,
    problems,
    chain,
    operations,
  };
}

/** Checks each run against the same expectation. */
export function checkRuns(
  inst: Installation,
  runs: PromotionRun[],
  label: string,
  expect: Expectation,
): Promise<RunCheck[]> {
  return Promise.all(
    runs.map((run, i) => checkRun(inst, `${label} ${i}`, run.promotion, run.result, expect)),
  );
}

/** A scenario's own check on a run. */
export function demand(check: RunCheck, ok: boolean, problem: string): void {
  if (ok) return;
  check.problems.push(problem);
  check.passed = false;
}

export function tally(scenario: string, checks: RunCheck[], notes?: string): ScenarioResult {
  return {
    scenario,
    runs: checks.length,
    passed: checks.filter((c) => c.passed).length,
    lostRecords: checks.reduce((n, c) => n + c.lostRecords, 0),
    duplicatedOperations: checks.reduce((n, c) => n + c.duplicatedOperations, 0),
    ...(notes ? { notes } : {}),
    failures: checks.filter((c) => !c.passed).map((c) => `${c.run}: ${c.problems.join('; ')}`),
  };
}
