/**
 * A worker thread of verify-threads.ts: checks the slices of a chain it is sent, exactly as a
 * single-threaded verification would, and answers with the slice's first bad record and the
 * hash each of its records claims (what the cross-check with the log compares).
 */
import { parentPort } from 'node:worker_threads';
import { firstBadRecord, type BadRecord } from './verify.js';

export interface SliceRequest {
  id: number;
  chainId: string;
  /** Sequence number of the slice's first record. */
  from: number;
  records: string[];
  /** The hash the record before the slice claims (the genesis hash for the first slice). */
  prevHash: string;
}

export interface SliceReply {
  id: number;
  firstBad?: BadRecord;
  /** The hash each record of the slice claims (claimedHashes). */
  claimed: string[];
}

parentPort!.on('message', ({ id, chainId, from, records, prevHash }: SliceRequest) => {
  const claimed: string[] = [];
  const firstBad = firstBadRecord(chainId, records, from, prevHash, claimed);
  parentPort!.postMessage({ id, claimed, ...(firstBad ? { firstBad } : {}) } satisfies SliceReply);
});
