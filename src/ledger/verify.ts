/**
 * Chain verification over the stored text of each record: parse, schema, position, link,
 * hash, and the seal over the head. It stops at the first bad record, because nothing after a
 * broken link can be trusted.
 */
import type { KeyObject } from 'node:crypto';
import { TERMINAL_TYPES, type EvidenceRecord } from '../domain/evidence.js';
import type { ChainSeal } from './ledger.js';
import { claimedHashes } from './log-cross-check.js';
import { GENESIS_HASH, recordHash, StoredRecord } from './record.js';
import { checkSeal } from './seal.js';

export interface BadRecord {
  chainId: string;
  /** Sequence number (0-based position) of the first record that fails. */
  seq: number;
  reason: string;
}

export interface ChainVerification {
  chainId: string;
  ok: boolean;
  length: number;
  headHash?: string;
  /** valid: signature checked; unchecked: present but no public key given; absent: never sealed. */
  seal: 'valid' | 'invalid' | 'unchecked' | 'absent';
  firstBad?: BadRecord;
  /** Everything wrong, in words; the first bad record is also listed here. */
  problems: string[];
}

export interface VerifyChainOptions {
  publicKey?: KeyObject;
  /** A promotion chain that ended must carry a seal (set when a ledger key is configured). */
  requireSeal?: boolean;
}

export function isSecurityChain(chainId: string): boolean {
  return chainId.startsWith('security:');
}

function checkRecord(
  chainId: string,
  seq: number,
  text: string,
  prevHash: string,
): { record?: EvidenceRecord; reason?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { reason: 'not valid JSON' };
  }
  // The ledger writes JSON.stringify(record): any other spelling of the same value was edited.
  if (JSON.stringify(value) !== text)
    return { reason: 'stored text is not in the form the ledger writes (edited by hand?)' };
  const parsed = StoredRecord.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      reason: `not an evidence record: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`.trim(),
    };
  }
  const record = parsed.data;
  if (record.chainId !== chainId) return { reason: `belongs to chain ${record.chainId}` };
  if (record.seq !== seq)
    return {
      reason: `has sequence number ${record.seq} at position ${seq} (a record was removed, inserted or moved)`,
    };
  if (record.prevHash !== prevHash)
    return { reason: `prevHash does not link to the previous record's hash (${prevHash.slice(0, 12)}…)` };
  if (recordHash(record) !== record.hash)
    return { reason: 'hash does not match the record content (the record was changed after it was written)' };
  return { record };
}

/**
 * Checks consecutive records of a chain — `records[0]` is record #`from` and links to
 * `prevHash` — and returns the first bad one. A record's check needs nothing of the ones
 * before it but their hash, so a long chain can be checked in slices side by side
 * (verify-threads.ts).
 */
export function firstBadRecord(
  chainId: string,
  records: readonly string[],
  from: number,
  prevHash: string,
  /** Filled with the hash each record claims (claimedHashes), from the parse the check makes anyway. */
  claimed?: string[],
): BadRecord | undefined {
  let linkTo = prevHash;
  for (const [i, text] of records.entries()) {
    const { record, reason } = checkRecord(chainId, from + i, text, linkTo);
    if (!record) {
      claimed?.push(...claimedHashes(records.slice(i)));
      return { chainId, seq: from + i, reason: reason ?? 'invalid' };
    }
    claimed?.push(record.hash);
    linkTo = record.hash;
  }
  return undefined;
}

/** The hash a stored record claims (records before the first bad one have been checked). */
export function storedHash(text: string): string {
  return (JSON.parse(text) as EvidenceRecord).hash;
}

export function verifyChain(
  chainId: string,
  rawRecords: string[],
  seal: ChainSeal | undefined,
  opts: VerifyChainOptions = {},
): ChainVerification {
  const firstBad = firstBadRecord(chainId, rawRecords, 0, GENESIS_HASH);
  return chainVerification(chainId, rawRecords, firstBad, seal, opts);
}

/** The verdict on a chain whose records were checked up to `checkedBad` (the first bad one, if any). */
export function chainVerification(
  chainId: string,
  rawRecords: readonly string[],
  checkedBad: BadRecord | undefined,
  seal: ChainSeal | undefined,
  opts: VerifyChainOptions,
): ChainVerification {
  const problems: string[] = [];
  let firstBad = checkedBad;
  if (firstBad) problems.push(`record #${firstBad.seq}: ${firstBad.reason}`);
  /** Records before the first bad one: checked, so their stored fields can be trusted. */
  const verified = firstBad?.seq ?? rawRecords.length;
  const verifiedRecord = (seq: number): EvidenceRecord | undefined =>
    seq >= 0 && seq < verified ? (JSON.parse(rawRecords[seq]!) as EvidenceRecord) : undefined;

  let sealStatus: ChainVerification['seal'] = 'absent';
  if (seal) {
    const sealProblems: string[] = [];
    if (seal.chainId !== chainId) sealProblems.push(`seal names chain ${seal.chainId}`);
    if (seal.seq >= rawRecords.length) {
      sealProblems.push(
        `seal covers record #${seal.seq} but the chain has only ${rawRecords.length} records (records were removed)`,
      );
    } else if (seal.seq < verified && verifiedRecord(seal.seq)?.hash !== seal.headHash) {
      sealProblems.push(`sealed head hash differs from record #${seal.seq}`);
    }
    if (!isSecurityChain(chainId) && seal.seq < rawRecords.length - 1) {
      sealProblems.push(
        `records #${seal.seq + 1}..#${rawRecords.length - 1} were appended after the promotion was sealed`,
      );
      firstBad ??= { chainId, seq: seal.seq + 1, reason: 'appended after the promotion was sealed' };
    }
    const signatureProblem = opts.publicKey ? checkSeal(seal, opts.publicKey) : undefined;
    if (signatureProblem) sealProblems.push(`seal ${signatureProblem}`);
    problems.push(...sealProblems);
    sealStatus = sealProblems.length > 0 ? 'invalid' : opts.publicKey ? 'valid' : 'unchecked';
  } else if (opts.requireSeal && !isSecurityChain(chainId)) {
    const last = verifiedRecord(verified - 1);
    if (last && TERMINAL_TYPES.has(last.type))
      problems.push(`promotion ended (${last.type}) but its chain is not sealed`);
  }

  return {
    chainId,
    ok: problems.length === 0,
    length: rawRecords.length,
    headHash: verifiedRecord(verified - 1)?.hash,
    seal: sealStatus,
    ...(firstBad ? { firstBad } : {}),
    problems,
  };
}
