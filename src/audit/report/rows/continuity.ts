/**
 * Guideline 5: disaster-recovery readiness. The ledger's last backup and restore drill with its
 * verification (`dr.drill` records), and for the release itself whether the previous version
 * could be restored (automatic rollback).
 */
import { deploysOf, str, type DrDrill } from '../evidence.js';
import { deployedStages, type CoverageRow, type RowContext } from './row.js';

/** A drill older than this, at the time of the change, no longer shows readiness. */
export const DRILL_MAX_AGE_DAYS = 90;

/** The last drill at or before `at`. */
export function lastDrill(drills: DrDrill[], at: string): DrDrill | undefined {
  return drills.filter((d) => Date.parse(d.time) <= Date.parse(at)).at(-1);
}

export function drillStatus(
  drill: DrDrill | undefined,
  at: string,
): { status: 'met' | 'not met'; detail: string } {
  if (!drill)
    return {
      status: 'not met',
      detail: 'no restore drill recorded in the ledger (dr.drill): no evidence the ledger can be restored',
    };
  const ageDays = (Date.parse(at) - Date.parse(drill.time)) / 86_400_000;
  const text = `last drill ${drill.time} by ${drill.actor}: ${drill.result ?? 'no result'}, backup of ${drill.backupAt ?? '?'} restored into ${drill.restoredInto ?? '?'}, ${drill.verifyDetail}`;
  if (!drill.passed || !drill.verified) return { status: 'not met', detail: `${text}: the drill FAILED` };
  if (ageDays > DRILL_MAX_AGE_DAYS)
    return {
      status: 'not met',
      detail: `${text}: older than ${DRILL_MAX_AGE_DAYS} days at ${at}`,
    };
  return { status: 'met', detail: text };
}

export function disasterRecoveryRow(ctx: RowContext): CoverageRow {
  const base = {
    id: 'ag-5-disaster-recovery',
    source: 'Auditing guideline 5',
    question: 'Disaster-recovery readiness: last ledger backup, restore drill and its verification',
  };
  if (deployedStages(ctx).length === 0)
    return { ...base, status: 'not applicable', detail: 'nothing was deployed', evidence: [] };
  const at = ctx.promotion.endedAt ?? ctx.records.at(-1)!.time;
  const drill = lastDrill(ctx.drills, at);
  return { ...base, ...drillStatus(drill, at), evidence: [], related: drill ? [drill.citation] : [] };
}

export function rollbackReadinessRow(ctx: RowContext): CoverageRow {
  const base = {
    id: 'ag-5-rollback-readiness',
    source: 'Auditing guideline 5',
    question: 'Rollback readiness: automated failover to the previous version',
  };
  const deploys = deploysOf(ctx.records);
  const rollbacks = ctx.records.filter((r) => r.type === 'rollback.completed');
  const failed = ctx.records.filter((r) => r.type === 'rollback.failed');
  const analyses = ctx.records.filter((r) => r.type === 'canary.analysis');
  const drill = lastDrill(ctx.drills, ctx.promotion.endedAt ?? ctx.records.at(-1)!.time);
  const drillText = drill ? `; last restore drill ${drill.citation} (${drill.result ?? '?'})` : '';
  const related = drill ? [drill.citation] : [];
  if (deploys.length === 0)
    return { ...base, status: 'not applicable', detail: 'nothing was deployed', evidence: [], related };
  const withPrevious = deploys.filter((d) => d.previous);
  const restored = rollbacks.filter((r) => str(r.data.restored));
  const evidence = [
    ...deploys.map((d) => d.seq),
    ...rollbacks.map((r) => r.seq),
    ...failed.map((r) => r.seq),
  ];
  if (failed.length)
    return {
      ...base,
      status: 'not met',
      detail: `rollback FAILED at ${failed.map((r) => r.stage ?? '?').join(', ')}: ${failed.map((r) => str(r.data.error) ?? '?').join('; ')}`,
      evidence,
      related,
    };
  if (withPrevious.length === 0 && restored.length === 0)
    return {
      ...base,
      status: 'not applicable',
      detail: `first release of ${ctx.promotion.app ?? 'the app'} at ${[...new Set(deploys.map((d) => d.stage ?? '?'))].join(', ')}: no previous version to roll back to${rollbacks.length ? ' (the rollback removed the new version)' : ''}${drillText}`,
      evidence,
      related,
    };
  const lost = rollbacks.filter(
    (r) => !str(r.data.restored) && withPrevious.some((d) => d.stage === r.stage),
  );
  return {
    ...base,
    status: lost.length ? 'not met' : 'met',
    detail:
      `previous version recorded: ${withPrevious.map((d) => `${d.stage ?? '?'} ${d.previous}`).join(', ')}` +
      `; ${analyses.length} canary analysis(es) could trigger an automatic rollback` +
      (restored.length
        ? `; rolled back: ${restored.map((r) => `${r.stage ?? '?'} restored ${str(r.data.restored)}`).join(', ')}`
        : '') +
      (lost.length ? `; a rollback restored NOTHING at ${lost.map((r) => r.stage ?? '?').join(', ')}` : '') +
      drillText,
    evidence,
    related,
  };
}
