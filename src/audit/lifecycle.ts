/**
 * `audit verify --temporal`: each promotion's runs as Temporal knows them, compared with the
 * evidence the ledger holds. Anyone with namespace access can terminate, reset or time out a
 * run without the workflow recording anything, so each run that ended that way must have
 * terminal evidence (written by `audit archive`, which archives such runs), each closed
 * promotion must have recorded its end, and records must come from runs Temporal knows.
 * It only reads, from Temporal and from the ledger.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { isTerminal, type EvidenceRecord } from '../domain/evidence.js';
import type { Ledger } from '../ledger/ledger.js';
import { isSecurityChain } from '../ledger/verify.js';

export interface RunFinding {
  promotionId: string;
  runId?: string;
  /** What Temporal says: TERMINATED, TIMED_OUT, CONTINUED_AS_NEW, COMPLETED, … */
  status?: string;
  problem: string;
}

export interface LifecycleCheck {
  ok: boolean;
  promotions: number;
  runs: number;
  findings: RunFinding[];
}

/** The runs that ended without the workflow's own say: their end must be recorded by Tollgate. */
const ENDED_FROM_OUTSIDE: Record<string, string> = {
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed out',
};

/** Every run of a workflow id, oldest first (a reset or a continue-as-new adds one). */
export async function runsOf(client: Client, workflowId: string): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const run of client.workflow.list({
    query: `WorkflowId = '${workflowId.replace(/'/g, "\\'")}'`,
  }))
    runs.push(run);
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

/** Terminal evidence of a run: a promotion.terminated / timed-out record naming it. */
function endRecorded(records: EvidenceRecord[], runId: string): boolean {
  return records.some(
    (r) => (r.type === 'promotion.terminated' || r.type === 'promotion.timed-out') && r.data.runId === runId,
  );
}

export function compareRuns(
  promotionId: string,
  records: EvidenceRecord[],
  runs: WorkflowExecutionInfo[],
): RunFinding[] {
  const findings: RunFinding[] = [];
  const known = new Set(runs.map((r) => r.runId));
  runs.forEach((run, i) => {
    const status = run.status.name;
    const later = runs.slice(i + 1);
    const written = records.filter((r) => r.runId === run.runId).length;
    const ended = ENDED_FROM_OUTSIDE[status];
    if (ended && !endRecorded(records, run.runId)) {
      const reset = later.length > 0 ? ` (reset: run ${later[0]!.runId} replaced it)` : '';
      findings.push({
        promotionId,
        runId: run.runId,
        status,
        problem: `run ${run.runId} was ${ended}${reset} and the ledger has no terminal evidence of it; it wrote ${written} record(s) (run \`tollgate audit archive\` to record and archive it)`,
      });
    }
    if (status === 'CONTINUED_AS_NEW' && later.length === 0)
      findings.push({
        promotionId,
        runId: run.runId,
        status,
        problem: `run ${run.runId} continued as new, but Temporal has no later run of the promotion`,
      });
    const last = i === runs.length - 1;
    if (last && !ended && (status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELLED')) {
      if (!records.some((r) => isTerminal(r.type)))
        findings.push({
          promotionId,
          runId: run.runId,
          status,
          problem: `run ${run.runId} closed as ${status} but the ledger has no terminal evidence of the promotion`,
        });
    }
  });
  if (runs.length > 0) {
    const orphaned = records.filter((r) => r.runId && !known.has(r.runId));
    if (orphaned.length > 0)
      findings.push({
        promotionId,
        problem: `${orphaned.length} record(s) (first #${orphaned[0]!.seq}) were written by run ${orphaned[0]!.runId}, which Temporal does not know`,
      });
  }
  return findings;
}

export async function checkLifecycle(
  ledger: Ledger,
  client: Client,
  promotionId?: string,
): Promise<LifecycleCheck> {
  const chains = (await ledger.listChains()).filter(
    (c) => !isSecurityChain(c.chainId) && (!promotionId || c.promotionId === promotionId),
  );
  const findings: RunFinding[] = [];
  let runs = 0;
  const seen = new Set<string>();
  for (const chain of chains) {
    const records = await ledger.read(chain.chainId);
    const workflowId = records[0]?.workflowId ?? chain.promotionId;
    seen.add(workflowId);
    const history = await runsOf(client, workflowId);
    runs += history.length;
    findings.push(...compareRuns(chain.promotionId, records, history));
  }
  if (!promotionId) {
    // A promotion Temporal still knows but the ledger holds nothing of: evidence deleted whole.
    const settled = Date.now() - 60_000;
    for await (const wf of client.workflow.list({ query: `WorkflowType = 'promotion'` })) {
      // A promotion started moments ago may not have written its first record yet.
      if (seen.has(wf.workflowId) || (wf.status.name === 'RUNNING' && wf.startTime.getTime() > settled))
        continue;
      seen.add(wf.workflowId);
      findings.push({
        promotionId: wf.workflowId,
        runId: wf.runId,
        status: wf.status.name,
        problem: `Temporal has promotion ${wf.workflowId} (${wf.status.name}) but the ledger holds no evidence of it`,
      });
    }
  }
  return { ok: findings.length === 0, promotions: chains.length, runs, findings };
}
