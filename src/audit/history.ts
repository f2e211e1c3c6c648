/**
 * Reading workflow histories as an auditor gets them (exported JSON, the ledger's archive, or
 * Temporal itself) and recovering the evidence the workflow recorded: every `recordEvidence`
 * local activity leaves a `core_local_activity` marker whose result is the stored record.
 */
import { readFile } from 'node:fs/promises';
import type { temporal } from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import type { EvidenceRecord } from '../domain/evidence.js';

export type History = temporal.api.history.v1.IHistory;

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

export function parseHistoryJson(text: string, source: string): History {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(
      `${source}: not JSON (${(err as Error).message}); expected a history exported with \`temporal workflow show --output json\` or by Tollgate`,
    );
  }
  try {
    return historyFromJSON(json);
  } catch (err) {
    throw new Error(`${source}: not a Temporal workflow history (${(err as Error).message})`);
  }
}

export async function readHistoryFile(file: string): Promise<History> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(
      `${file}: cannot read the history file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  return parseHistoryJson(text, file);
}

export interface HistoryIdentity {
  workflowType?: string;
  runId?: string;
  workflowId?: string;
}

export function historyIdentity(history: History): HistoryIdentity {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  return {
    workflowType: started?.workflowType?.name ?? undefined,
    runId: started?.originalExecutionRunId ?? undefined,
    workflowId: started?.workflowId ?? undefined,
  };
}

function decode(payloads: temporal.api.common.v1.IPayloads | null | undefined): unknown {
  const payload = payloads?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
}

/** The evidence records a history's successful `recordEvidence` local activities returned, in history order. */
export function evidenceFromHistory(history: History): EvidenceRecord[] {
  const records: EvidenceRecord[] = [];
  for (const event of history.events ?? []) {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== LOCAL_ACTIVITY_MARKER || marker.failure) continue;
    // Core keeps the marker's metadata under `data` and the activity's result under `result`.
    const meta = decode(marker.details?.data) as { activity_type?: string } | undefined;
    if (meta?.activity_type !== 'recordEvidence') continue;
    const result = decode(marker.details?.result) as EvidenceRecord | undefined;
    if (result) records.push(result);
  }
  return records;
}
