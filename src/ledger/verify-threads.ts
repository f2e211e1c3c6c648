/**
 * Verification of long chains on every core. Checking a record (parse, schema, canonical hash)
 * needs only the hash its predecessor claims, so the chain is cut into slices that worker
 * threads check side by side; the earliest bad record of any slice is the chain's first bad
 * record, exactly as a single-threaded pass would find it (records before it passed, so the
 * hash the slice started from was the real one).
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { projectModule, projectThread } from '../paths.js';
import type { ChainSeal } from './ledger.js';
import { GENESIS_HASH } from './record.js';
import type { SliceReply, SliceRequest } from './verify-thread.js';
import { claimedHashes } from './log-cross-check.js';
import {
  chainVerification,
  firstBadRecord,
  storedHash,
  type BadRecord,
  type ChainVerification,
  type VerifyChainOptions,
} from './verify.js';

export interface ThreadedVerifyOptions extends VerifyChainOptions {
  /** Threads to use (default: one per core). */
  threads?: number;
  /** Below this many records one thread is quicker than starting others (default 50,000). */
  threadedFrom?: number;
  /** Records sent to a thread at a time (default 25,000): copies in flight stay small. */
  slice?: number;
}

const threadModule = projectModule('./verify-thread', import.meta.url);

/** A chain's verdict, with the hash each stored record claims (claimedHashes: what the log is checked against). */
export interface CheckedChain {
  verification: ChainVerification;
  claimed: string[];
}

export async function verifyLongChain(
  chainId: string,
  rawRecords: string[],
  seal: ChainSeal | undefined,
  opts: ThreadedVerifyOptions = {},
): Promise<ChainVerification> {
  return (await checkLongChain(chainId, rawRecords, seal, opts)).verification;
}

/**
 * verifyLongChain, also answering the hash each record claims: the threads parse every record
 * anyway, so the cross-check with the log does not parse a long chain a second time.
 */
export async function checkLongChain(
  chainId: string,
  rawRecords: string[],
  seal: ChainSeal | undefined,
  opts: ThreadedVerifyOptions = {},
): Promise<CheckedChain> {
  const slice = opts.slice ?? 25_000;
  const threads = Math.min(opts.threads ?? availableParallelism(), Math.ceil(rawRecords.length / slice));
  if (rawRecords.length < (opts.threadedFrom ?? 50_000) || threads < 2) {
    const claimed: string[] = [];
    const firstBad = firstBadRecord(chainId, rawRecords, 0, GENESIS_HASH, claimed);
    return { verification: chainVerification(chainId, rawRecords, firstBad, seal, opts), claimed };
  }

  const workers = Array.from({ length: threads }, () => projectThread(threadModule));
  try {
    const pending = new Map<number, (reply: SliceReply) => void>();
    const failed = new Promise<never>((_, reject) => {
      for (const w of workers) {
        w.on('message', (reply: SliceReply) => pending.get(reply.id)?.(reply));
        w.on('error', reject);
      }
    });
    failed.catch(() => undefined); // reported through the race below; later errors do not matter

    let next = 0;
    let firstBad: BadRecord | undefined;
    /** Each slice's claimed hashes by its first sequence number; a slice skipped has none. */
    const claimedBySlice = new Map<number, string[]>();
    // Each thread takes the next slice when it is done with one; slices past a bad record are skipped.
    const work = async (worker: Worker) => {
      for (let from = next; from < rawRecords.length; from = next) {
        next += slice;
        if (firstBad && firstBad.seq < from) return;
        const request: SliceRequest = {
          id: from,
          chainId,
          from,
          records: rawRecords.slice(from, from + slice),
          prevHash: from === 0 ? GENESIS_HASH : linkHash(rawRecords[from - 1]!),
        };
        const reply = await new Promise<SliceReply>((resolve) => {
          pending.set(from, resolve);
          worker.postMessage(request);
        });
        pending.delete(from);
        claimedBySlice.set(from, reply.claimed);
        if (reply.firstBad && (!firstBad || reply.firstBad.seq < firstBad.seq)) firstBad = reply.firstBad;
      }
    };
    await Promise.race([Promise.all(workers.map(work)), failed]);
    const claimed: string[] = [];
    for (let from = 0; from < rawRecords.length; from += slice)
      for (const hash of claimedBySlice.get(from) ?? claimedHashes(rawRecords.slice(from, from + slice)))
        claimed.push(hash);
    return { verification: chainVerification(chainId, rawRecords, firstBad, seal, opts), claimed };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The hash the record before a slice claims; unreadable, it links to nothing (that record is the bad one). */
function linkHash(text: string): string {
  try {
    return storedHash(text) ?? '';
  } catch {
    return '';
  }
}
