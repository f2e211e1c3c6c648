/**
 * The control's addendum: standardized process elements, separation of environments (from the
 * signed worker identity on every record that changed a stage) and record-keeping (ledger
 * completeness: chain verified, sealed, history archived).
 */
import { TARGET_CHANGES, workerOf } from '../evidence.js';
import { checkWorkerSignature } from '../worker-signatures.js';
import { deployedStages, list, type CoverageRow, type RowContext } from './row.js';

export function standardizedRow(ctx: RowContext): CoverageRow {
  const base = {
    id: 'add-standardized-process',
    source: 'Addendum',
    question: 'Standardized deployment process elements',
  };
  const { stages, reached } = ctx.promotion;
  if (reached.length === 0)
    return { ...base, status: 'not applicable', detail: 'no stage was entered', evidence: [] };
  const inOrder = reached.every((s, i) => stages[i] === s);
  const entered = ctx.records.filter((r) => r.type === 'stage.entered');
  const locked = new Set(ctx.records.filter((r) => r.type === 'lock.acquired').map((r) => r.stage));
  const unlocked = reached.filter((s) => !locked.has(s));
  const evaluated = new Set(ctx.policies.map((p) => p.stage));
  const skippedPolicy = reached.filter((s) => !evaluated.has(s));
  const problems = [
    ...(inOrder ? [] : [`stages entered out of order: ${reached.join(' → ')}`]),
    ...(skippedPolicy.length ? [`no policy step at ${list(skippedPolicy)}`] : []),
    ...(unlocked.length ? [`no exclusive stage lock at ${list(unlocked)}`] : []),
  ];
  return {
    ...base,
    status: problems.length ? 'not met' : 'met',
    detail: problems.length
      ? problems.join('; ')
      : `every stage (${reached.join(' → ')}) ran the same steps in pipeline ${ctx.promotion.pipeline ?? '?'}: lock, policy, gates, deploy`,
    evidence: entered.map((r) => r.seq),
  };
}

export function separationRow(ctx: RowContext): CoverageRow {
  const base = {
    id: 'add-separated-environments',
    source: 'Addendum',
    question: 'Separation of environments: which worker and credentials changed each stage',
  };
  const changes = ctx.records.filter((r) => TARGET_CHANGES.has(r.type));
  if (deployedStages(ctx).length === 0 && changes.length === 0)
    return { ...base, status: 'not applicable', detail: 'nothing was deployed', evidence: [] };
  const evidence = changes.map((r) => r.seq);
  // A failed operation left no serving state to sign; what it changed is the rollback's to show.
  const executed = changes.filter((r) => !r.type.endsWith('.failed'));
  const at = (r: { type: string; stage?: string; seq: number }) => `${r.type}@${r.stage ?? '?'} (#${r.seq})`;
  if (ctx.workers === undefined || ctx.workers.length === 0) {
    const named = executed.filter((r) => workerOf(r));
    return {
      ...base,
      status: 'not met',
      detail:
        `the report's config trusts no stage worker keys (\`workers:\`), so no signature can be checked; ` +
        `${named.length} of ${executed.length} change(s) name a worker: separation cannot be shown`,
      evidence,
    };
  }
  const checks = executed.map((r) => ({
    r,
    check: checkWorkerSignature(r, ctx.workers!, ctx.started?.releaseDigest),
  }));
  const failed = checks.flatMap(({ r, check }) => (check.ok ? [] : [`${at(r)}: ${check.problem}`]));
  if (failed.length)
    return {
      ...base,
      status: 'not met',
      detail: `${failed.length} of ${executed.length} stage change(s) not shown to come from that stage's trusted worker: ${failed.join('; ')}`,
      evidence,
    };
  const identitiesByStage = new Map<string, Set<string>>();
  for (const { check } of checks)
    if (check.ok)
      identitiesByStage.set(
        check.stage,
        (identitiesByStage.get(check.stage) ?? new Set()).add(check.identity),
      );
  const byStage = [...identitiesByStage.entries()]
    .map(([s, ids]) => `${s}: ${[...ids].join(', ')}`)
    .join('; ');
  const shared = [
    ...new Set(
      [...identitiesByStage.entries()].flatMap(([stage, ids]) =>
        [...ids].filter((id) =>
          [...identitiesByStage.entries()].some(([other, otherIds]) => other !== stage && otherIds.has(id)),
        ),
      ),
    ),
  ];
  if (shared.length)
    return {
      ...base,
      status: 'partial',
      detail: `${byStage}; one worker identity served several stages (${list(shared)}): every change is signed by a trusted worker, but environments are not separated`,
      evidence,
    };
  return {
    ...base,
    status: 'met',
    detail: `${byStage}; a distinct worker identity per stage, every one of ${executed.length} change(s) signed by the worker the report's config trusts for that stage`,
    evidence,
  };
}

export function recordKeepingRow(ctx: RowContext): CoverageRow {
  const base = {
    id: 'add-record-keeping',
    source: 'Addendum',
    question: 'Record-keeping for compliance: the evidence chain is complete, sealed and archived',
  };
  if (ctx.promotion.status === 'running')
    return {
      ...base,
      status: 'not applicable',
      detail: `the promotion is still running (${ctx.records.length} records so far): it is sealed and archived when it ends`,
      evidence: [],
    };
  const problems = [
    ...(ctx.integrity && !ctx.integrity.ok ? [`integrity FAILED: ${ctx.integrity.problems.join('; ')}`] : []),
    ...(ctx.sealed ? [] : ['the chain is not sealed']),
    ...(ctx.archived.length ? [] : ['no workflow history archived for replay']),
  ];
  return {
    ...base,
    status: problems.length ? 'not met' : 'met',
    detail:
      `${ctx.records.length} records, hash chain ${ctx.integrity ? (ctx.integrity.ok ? 'verified' : 'BROKEN') : 'not verified'}, ` +
      `seal ${ctx.integrity?.seal ?? (ctx.sealed ? 'present' : 'missing')}, archived: ${list(ctx.archived)}` +
      (problems.length ? `; ${problems.join('; ')}` : ''),
    evidence: [ctx.records[0]!.seq, ctx.records.at(-1)!.seq],
  };
}
