import { hash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical.js';
import { EvidenceInput, EvidenceRecord, payloadProblem } from '../domain/evidence.js';
import { LedgerConflictError } from './ledger.js';

/** prevHash of the first record of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields a producer controls; two inputs under one key are "the same" when these agree. */
const INPUT_FIELDS = [
  'chainId',
  'seq',
  'promotionId',
  'workflowId',
  'runId',
  'stage',
  'type',
  'actor',
  'time',
  'data',
  'controls',
] as const;

/** A stored record is strict: an unknown or renamed key is tampering, not a newer version. */
export const StoredRecord = EvidenceRecord.strict();

/** One-shot `crypto.hash`: half the cost of a `createHash` object for a record-sized input. */
export function sha256Hex(bytes: string | Uint8Array): string {
  return hash('sha256', bytes, 'hex');
}

/** sha256 hex over the RFC 8785 canonical JSON of the record without `hash`. */
export function recordHash(record: Omit<EvidenceRecord, 'hash'> & { hash?: string }): string {
  const rest: Record<string, unknown> = { ...record };
  delete rest.hash;
  const text = canonicalJson(rest);
  if (text === undefined) throw new Error('cannot canonicalize evidence record');
  return sha256Hex(text);
}

/**
 * Validates an input and normalizes it through JSON, so the record handed back by `append`
 * equals the one `read` returns later (undefined members vanish exactly as they do on disk).
 */
export function normalizeInput(input: EvidenceInput): EvidenceInput {
  const parsed = EvidenceInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(
      `evidence input ${input.chainId}#${input.seq}: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`,
    );
  }
  // The one place a payload is checked against its type's schema: every append passes here.
  const problem = payloadProblem(parsed.data);
  if (problem)
    throw new TypeError(`evidence input ${input.chainId}#${input.seq} (${input.type}): ${problem}`);
  return JSON.parse(JSON.stringify(parsed.data)) as EvidenceInput;
}

export function buildRecord(input: EvidenceInput, prevHash: string): EvidenceRecord {
  const normalized = normalizeInput(input);
  const withoutHash = { ...normalized, controls: normalized.controls ?? [], prevHash };
  return { ...withoutHash, hash: recordHash(withoutHash) };
}

/** Names the producer-controlled fields in which a stored record and a new input differ. */
export function differingFields(stored: EvidenceRecord, input: EvidenceInput): string[] {
  const normalized = normalizeInput(input);
  const incoming: Record<string, unknown> = { ...normalized, controls: normalized.controls ?? [] };
  const existing: Record<string, unknown> = stored;
  return INPUT_FIELDS.filter((f) => canonicalJson(existing[f]) !== canonicalJson(incoming[f]));
}

/**
 * The idempotency rule both stores share: at an occupied key the same input returns the stored
 * record and a different one is refused; a key beyond the head is a gap.
 */
export function resolveExisting(
  stored: EvidenceRecord | undefined,
  input: EvidenceInput,
  length: number,
): EvidenceRecord | undefined {
  if (input.seq > length) {
    throw new LedgerConflictError(
      `evidence ${input.chainId}#${input.seq}: gap in the chain, the next sequence number is ${length}`,
    );
  }
  if (!stored) return undefined;
  const diff = differingFields(stored, input);
  if (diff.length > 0) {
    throw new LedgerConflictError(
      `evidence ${input.chainId}#${input.seq} already exists with different content (differing fields: ${diff.join(', ')}); records are never overwritten`,
    );
  }
  return stored;
}
