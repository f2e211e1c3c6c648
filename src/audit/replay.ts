/**
 * `audit replay`: runs histories against the current workflow code (a nondeterministic code
 * change is reported per history, never thrown), then re-derives the evidence timeline from the
 * histories and cross-checks it with the ledger.
 */
import type { Client } from '@temporalio/client';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import type { Ledger } from '../ledger/ledger.js';
import { sha256Hex } from '../ledger/record.js';
import { workflowBundle } from '../temporal/workflow-bundle.js';
import { crossCheck, type CrossCheck } from './cross-check.js';
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
  const histories: HistoryReplay[] = [];
  const results = Worker.runReplayHistories(
    { workflowBundle: bundle, replayName: 'tollgate-audit' },
    items.map((s) => ({ workflowId: s.workflowId, history: s.history })),
  );
  let index = 0;
  for await (const result of results) {
    const item = items[index++]!;
    const error = result.error
      ? result.error instanceof DeterminismViolationError
        ? `nondeterministic: ${result.error.message}`
        : `replay failed: ${result.error.message}`
      : undefined;
    histories.push({
      source: item.source,
      workflowId: item.workflowId,
      ...(item.identity.runId ? { runId: item.identity.runId } : {}),
      ...(item.identity.workflowType ? { workflowType: item.identity.workflowType } : {}),
      deterministic: !result.error,
      ...(error ? { error } : {}),
      evidenceRecords: evidenceFromHistory(item.history).length,
    });
  }
  const crossChecks = opts.ledger
    ? await crossCheck(
        opts.ledger,
        items.flatMap((s) => evidenceFromHistory(s.history)),
      )
    : undefined;
  const ok = histories.every((h) => h.deterministic) && (crossChecks ?? []).every((c) => c.ok);
  return { ok, histories, ...(crossChecks ? { crossChecks } : {}) };
}
