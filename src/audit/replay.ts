/**
 * `audit replay`: runs histories against the current workflow code (a nondeterministic code
 * change is reported per history, never thrown), then re-derives the evidence timeline from the
 * histories and cross-checks it with the ledger.
 */
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Ledger } from '../ledger/ledger.js';
import { sha256Hex } from '../ledger/record.js';
import { workflowBundle } from '../temporal/workflow-bundle.js';
import { crossCheck, type CrossCheck } from './cross-check.js';
import { stopStackTraceCapture } from './replay-stack-traces.js';
import {
  describeReplayError,
  REPLAY_NAME,
  startReplayPool,
  type ReplayItem,
  type ReplayOutcome,
  type ReplayPool,
} from './replay-pool.js';
import {
  evidenceFromHistory,
  historyIdentity,
  parseHistoryJson,
  readHistoryFile,
  type History,
} from './history.js';

export interface HistorySource {
  /** Where the history came from, for the report: a file, `archive:<promotion>/<name>`, `temporal:<workflowId>`. */
  source: string;
  history: History;
}

export interface HistoryReplay {
  source: string;
  workflowId: string;
  runId?: string;
  workflowType?: string;
  deterministic: boolean;
  /** Why replay failed: the nondeterminism the SDK found, or another replay error. */
  error?: string;
  evidenceRecords: number;
}

export interface ReplayReport {
  ok: boolean;
  histories: HistoryReplay[];
  /** Absent when no ledger was given. */
  crossChecks?: CrossCheck[];
}

export interface ReplayOptions {
  /** Workflow code to replay against (default: Tollgate's workflows). */
  workflowsPath?: string;
  /** A pre-built bundle (takes precedence over workflowsPath): saves bundling when replaying often. */
  workflowBundle?: { code: string };
  ledger?: Ledger;
  /**
   * Replay processes to spread the histories over (default 1: in this process). Worth it from
   * a few dozen histories on: each process costs about a second to start.
   */
  jobs?: number;
  /** A running pool to replay in (takes precedence over jobs): saves the start-up when replaying often. */
  pool?: ReplayPool;
}

export async function historiesFromFile(file: string): Promise<HistorySource[]> {
  return [{ source: file, history: await readHistoryFile(file) }];
}

/** Every archived run of a promotion; an archive whose bytes differ from the archive index is refused. */
export async function historiesFromArchive(ledger: Ledger, promotionId: string): Promise<HistorySource[]> {
  const entries = (await ledger.listArtifacts(promotionId)).filter((e) => e.name.startsWith('history-'));
  if (entries.length === 0)
    throw new Error(
      `no archived history for promotion ${promotionId} in the ledger (archived when a promotion closes)`,
    );
  const sources: HistorySource[] = [];
  for (const entry of entries) {
    const source = `archive:${promotionId}/${entry.name}`;
    const content = await ledger.getArtifact(promotionId, entry.name);
    if (!content)
      throw new Error(`${source}: listed in the archive index but missing from the ledger storage`);
    if (sha256Hex(content) !== entry.sha256)
      throw new Error(
        `${source}: content does not match the sha256 in the archive index (run \`tollgate audit verify\`)`,
      );
    sources.push({ source, history: parseHistoryJson(content.toString('utf8'), source) });
  }
  return sources;
}

export async function historiesFromTemporal(
  client: Client,
  workflowId: string,
  runId?: string,
): Promise<HistorySource[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return [{ source: `temporal:${workflowId}${runId ? `/${runId}` : ''}`, history }];
}

export async function replayHistories(
  sources: HistorySource[],
  opts: ReplayOptions = {},
): Promise<ReplayReport> {
  const bundle = opts.workflowBundle ?? (await workflowBundle(opts.workflowsPath));
  const items = sources.map((s, i) => {
    const identity = historyIdentity(s.history);
    return { ...s, identity, workflowId: identity.workflowId ?? `replay-${i}` };
  });
  const outcomes = await replayOutcomes(items, bundle, opts);
  const evidence = items.map((item) => evidenceFromHistory(item.history));
  const histories: HistoryReplay[] = items.map((item, i) => {
    const error = outcomes[i]?.error;
    return {
      source: item.source,
      workflowId: item.workflowId,
      ...(item.identity.runId ? { runId: item.identity.runId } : {}),
      ...(item.identity.workflowType ? { workflowType: item.identity.workflowType } : {}),
      deterministic: !error,
      ...(error ? { error } : {}),
      evidenceRecords: evidence[i]!.length,
    };
  });
  const crossChecks = opts.ledger ? await crossCheck(opts.ledger, evidence.flat()) : undefined;
  const ok = histories.every((h) => h.deterministic) && (crossChecks ?? []).every((c) => c.ok);
  return { ok, histories, ...(crossChecks ? { crossChecks } : {}) };
}

async function replayOutcomes(
  items: ReplayItem[],
  bundle: { code: string },
  opts: ReplayOptions,
): Promise<ReplayOutcome[]> {
  if (opts.pool) return opts.pool.replay(items);
  if ((opts.jobs ?? 1) > 1) {
    const pool = await startReplayPool(bundle, opts.jobs!);
    try {
      return await pool.replay(items);
    } finally {
      await pool.close();
    }
  }
  stopStackTraceCapture();
  const outcomes: ReplayOutcome[] = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: bundle, replayName: REPLAY_NAME },
    items,
  ))
    outcomes.push(result.error ? { error: describeReplayError(result.error) } : {});
  return outcomes;
}
