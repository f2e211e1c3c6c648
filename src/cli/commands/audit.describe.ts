/** The human-readable lines of `tollgate audit verify` and `audit replay` (JSON prints the objects). */
import type { LifecycleCheck } from '../../audit/lifecycle.js';
import type { ReplayReport } from '../../audit/replay.js';
import type { LedgerVerification } from '../../audit/verify.js';

export function describeVerification(v: LedgerVerification): string {
  const lines = v.chains.map(
    (c) =>
      `${c.ok ? 'ok  ' : 'FAIL'} ${c.chainId}: ${c.length} records, seal ${c.seal}${c.problems.length ? ` — ${c.problems.join('; ')}` : ''}`,
  );
  lines.push(
    ...v.artifacts.map(
      (a) =>
        `${a.ok ? 'ok  ' : 'FAIL'} archive ${a.promotionId}/${a.name}${a.problems.length ? ` — ${a.problems.join('; ')}` : ''}`,
    ),
  );
  for (const id of v.missingChains) lines.push(`FAIL ${id}: missing (the log holds it)`);
  if (v.log) lines.push(...describeLog(v.log));
  for (const t of v.tornTails)
    lines.push(
      `torn ${t.where}: ends with a partial line of ${t.bytes} bytes (an interrupted append; the next writer cuts it and records that in the log)`,
    );
  if (v.firstBad)
    lines.push(`first bad record: ${v.firstBad.chainId}#${v.firstBad.seq}: ${v.firstBad.reason}`);
  if (v.log?.firstBadLeaf)
    lines.push(`first bad leaf: #${v.log.firstBadLeaf.index}: ${v.log.firstBadLeaf.reason}`);
  lines.push(
    v.ok
      ? `verified ${v.chains.length} chain(s), ${v.artifacts.length} archive(s)${v.log ? ` and a log of ${v.log.size} leaves` : ''}`
      : 'VERIFICATION FAILED',
  );
  return lines.join('\n');
}

function describeLog(log: NonNullable<LedgerVerification['log']>): string[] {
  const lines = [
    `${log.ok ? 'ok  ' : 'FAIL'} log: ${log.size} leaves; ${
      log.checkpoint
        ? `newest checkpoint covers ${log.checkpoint.size} (root ${log.checkpoint.root})`
        : 'no checkpoint verified'
    }${log.uncovered > 0 ? `; ${log.uncovered} leaves not yet covered by a checkpoint` : ''}`,
  ];
  if (log.since)
    lines.push(
      `${log.since.ok ? 'ok  ' : 'FAIL'} consistent with the checkpoint you trusted (size ${log.since.size} → ${log.since.consistentWith})${log.since.problem ? ` — ${log.since.problem}` : ''}`,
    );
  for (const p of log.problems) lines.push(`     ${p}`);
  for (const r of log.recoveries) lines.push(`     recovered: ${r}`);
  return lines;
}

export function describeReplay(r: ReplayReport): string {
  const lines = r.histories.map(
    (h) =>
      `${h.deterministic ? 'ok  ' : 'FAIL'} ${h.source} (${h.workflowType ?? '?'} ${h.runId ?? ''}): ${h.deterministic ? 'replays deterministically' : h.error}; ${h.evidenceRecords} evidence records`,
  );
  for (const c of r.crossChecks ?? []) {
    lines.push(`${c.ok ? 'ok  ' : 'FAIL'} ledger ${c.chainId}: ${c.matched} records match the history`);
    for (const m of c.missing) lines.push(`     missing from the ledger: #${m.seq} ${m.type}`);
    for (const e of c.extra) lines.push(`     in the ledger but not in the history: #${e.seq} ${e.type}`);
  }
  return lines.join('\n');
}

export function describeLifecycle(l: LifecycleCheck): string[] {
  return [
    ...l.findings.map((f) => `FAIL temporal ${f.promotionId}: ${f.problem}`),
    `${l.ok ? 'ok  ' : 'FAIL'} temporal: ${l.runs} run(s) of ${l.promotions} promotion(s) compared with the ledger${l.ok ? '' : `, ${l.findings.length} finding(s)`}`,
  ];
}
