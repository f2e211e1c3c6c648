/**
 * Verification of the ledger's Merkle log on its own: every leaf is a well-formed leaf in the
 * form the writer stores, each chain's records are logged in sequence order, every stored
 * checkpoint is signed by the trusted ledger key and matches the log's prefix of its size, and
 * the checkpoint the auditor trusted before (`since`) is consistent with the current one (an
 * RFC 9162 consistency proof, checked as an offline auditor would). It reads, never writes.
 */
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '../domain/canonical.js';
import { LogLeaf } from '../domain/ledger-log.js';
import { CheckpointError, openCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint.js';
import {
  consistencyProof,
  HASH_SIZE,
  leafHash,
  TreeFrontier,
  verifyConsistency,
  type LeafHashes,
} from './merkle.js';

/** What the log says a chain holds: each record's hash and the leaf that logged it. */
export interface LoggedChain {
  hashes: string[];
  leaves: number[];
  /** The chain's last logged seal. */
  seal?: { seq: number; headHash: string; signature: string; leaf: number };
}

export interface BadLeaf {
  index: number;
  reason: string;
}

export interface ScannedLog {
  size: number;
  hashes: LeafHashes;
  chains: Map<string, LoggedChain>;
  /** Every leaf that fails on its own, in log order. */
  badLeaves: BadLeaf[];
  /** Recovery leaves: what writers repaired after a crash (reported, not a failure). */
  recoveries: string[];
}

function leafProblem(text: string): { leaf?: LogLeaf; reason?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { reason: 'not valid JSON' };
  }
  const parsed = LogLeaf.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { reason: `not a log leaf: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`.trim() };
  }
  if (canonicalJson(value) !== text)
    return { reason: 'stored text is not in the form the ledger writes (edited by hand?)' };
  return { leaf: parsed.data };
}

/** Hashes every leaf and reads what it says; a bad leaf still counts for the tree. */
export function scanLog(texts: readonly string[]): ScannedLog {
  const scan = logScan(texts);
  scan.leaves(0, texts.length);
  return scan.result();
}

/** Leaves scanned between two turns of the event loop (scanLogInTurns). */
const TURN = 4_096;

/**
 * scanLog, giving the event loop a turn every few thousand leaves: verification scans the log
 * while worker threads check the chains, and their replies must not wait for the whole scan.
 */
export async function scanLogInTurns(texts: readonly string[]): Promise<ScannedLog> {
  const scan = logScan(texts);
  for (let from = 0; from < texts.length; from += TURN) {
    scan.leaves(from, Math.min(from + TURN, texts.length));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return scan.result();
}

function logScan(texts: readonly string[]) {
  const buffer = Buffer.alloc(texts.length * HASH_SIZE);
  const chains = new Map<string, LoggedChain>();
  const badLeaves: BadLeaf[] = [];
  const recoveries: string[] = [];
  const chainOf = (id: string) => {
    let c = chains.get(id);
    if (!c) chains.set(id, (c = { hashes: [], leaves: [] }));
    return c;
  };
  const scanLeaf = (text: string, index: number) => {
    leafHash(text).copy(buffer, index * HASH_SIZE);
    const { leaf, reason } = leafProblem(text);
    if (!leaf) return badLeaves.push({ index, reason: reason ?? 'invalid' });
    if (leaf.kind === 'recovery')
      return recoveries.push(`leaf #${index}: ${leaf.chainId}: ${leaf.detail} (${leaf.time})`);
    const chain = chainOf(leaf.chainId);
    if (leaf.kind === 'record') {
      if (leaf.seq !== chain.hashes.length)
        return badLeaves.push({
          index,
          reason: `logs ${leaf.chainId}#${leaf.seq}, but the next record of that chain in the log is #${chain.hashes.length} (a leaf was removed, inserted or moved)`,
        });
      chain.hashes.push(leaf.hash);
      chain.leaves.push(index);
    } else {
      if (leaf.seq >= chain.hashes.length || chain.hashes[leaf.seq] !== leaf.headHash)
        return badLeaves.push({
          index,
          reason: `seals ${leaf.chainId}#${leaf.seq}, which the log does not hold`,
        });
      chain.seal = { seq: leaf.seq, headHash: leaf.headHash, signature: leaf.signature, leaf: index };
    }
  };
  return {
    /** Scans leaves [from, to), in log order. */
    leaves(from: number, to: number): void {
      for (let i = from; i < to; i++) scanLeaf(texts[i]!, i);
    },
    result(): ScannedLog {
      return {
        size: texts.length,
        hashes: { length: texts.length, at: (i) => buffer.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE) },
        chains,
        badLeaves,
        recoveries,
      };
    },
  };
}

/** The roots of the log's prefixes of the given sizes, in one pass. */
export function prefixRoots(hashes: LeafHashes, sizes: Iterable<number>): Map<number, Buffer> {
  const wanted = new Set([...sizes].filter((s) => s <= hashes.length));
  const frontier = new TreeFrontier();
  const roots = new Map<number, Buffer>();
  if (wanted.has(0)) roots.set(0, frontier.root());
  for (let i = 0; i < hashes.length && roots.size < wanted.size; i++) {
    frontier.push(hashes.at(i));
    if (wanted.has(i + 1)) roots.set(i + 1, frontier.root());
  }
  return roots;
}

export interface CheckpointCheck {
  /** Position in the store's list of checkpoints, or `since` for the auditor's own. */
  which: number | 'since';
  size?: number;
  ok: boolean;
  problem?: string;
}

export interface LogVerification {
  ok: boolean;
  size: number;
  /** The newest stored checkpoint that verified. */
  checkpoint?: { size: number; root: string; note: string };
  /** Leaves after that checkpoint: logged, but not yet covered by a signature. */
  uncovered: number;
  checkpoints: CheckpointCheck[];
  /** The checkpoint the auditor trusted before, and whether the log is an append-only extension of it. */
  since?: { size: number; consistentWith: number; ok: boolean; problem?: string };
  firstBadLeaf?: BadLeaf;
  problems: string[];
  recoveries: string[];
}

export interface VerifyLogOptions {
  publicKey?: KeyObject;
  /** A checkpoint note the auditor kept from an earlier verification or an export bundle. */
  since?: string;
}

function describe(which: number | 'since'): string {
  return which === 'since' ? 'the --since checkpoint' : `checkpoint #${which}`;
}

/**
 * Verifies the log's stored checkpoints and the auditor's `since` checkpoint against the scanned
 * leaves. Bad leaves found by the scan and by the chain cross-check (`extraBad`) are merged so
 * the first bad leaf is named whichever check found it.
 */
export function verifyLog(
  log: ScannedLog,
  notes: readonly string[],
  opts: VerifyLogOptions,
  extraBad: readonly BadLeaf[] = [],
): LogVerification {
  const problems: string[] = [];
  const opened: Array<{ which: number | 'since'; c?: Checkpoint; problem?: string }> = notes.map(
    (note, i) => {
      try {
        return { which: i, c: opts.publicKey ? openCheckpoint(note, opts.publicKey) : parseCheckpoint(note) };
      } catch (err) {
        return { which: i, problem: err instanceof CheckpointError ? err.message : String(err) };
      }
    },
  );
  if (opts.since !== undefined) {
    if (!opts.publicKey) throw new Error('--since needs the trusted ledger public key (--public-key)');
    try {
      opened.push({ which: 'since', c: openCheckpoint(opts.since, opts.publicKey) });
    } catch (err) {
      if (err instanceof CheckpointError) throw new CheckpointError(`--since: ${err.message}`);
      throw err;
    }
  }
  const roots = prefixRoots(
    log.hashes,
    opened.flatMap((o) => (o.c ? [o.c.size] : [])),
  );
  const checks: CheckpointCheck[] = [];
  let newest: { c: Checkpoint; note: string } | undefined;
  let lastGood = 0;
  let mismatchBefore: number | undefined;
  for (const o of opened) {
    let problem = o.problem;
    if (o.c) {
      const root = roots.get(o.c.size);
      if (!root)
        problem = `covers ${o.c.size} leaves, but the log has only ${log.size} (leaves were removed)`;
      else if (!root.equals(o.c.root))
        problem = `the log's first ${o.c.size} leaves do not hash to its root (a leaf before #${o.c.size} was removed, inserted, changed or reordered)`;
    }
    checks.push({
      which: o.which,
      ...(o.c ? { size: o.c.size } : {}),
      ok: !problem,
      ...(problem ? { problem } : {}),
    });
    if (problem) {
      problems.push(`${describe(o.which)}: ${problem}`);
      if (o.c && o.c.size <= log.size) mismatchBefore = Math.min(mismatchBefore ?? o.c.size, o.c.size);
    } else if (o.c && o.which !== 'since') {
      if (!newest || o.c.size >= newest.c.size) newest = { c: o.c, note: notes[o.which]! };
      if (mismatchBefore === undefined) lastGood = Math.max(lastGood, o.c.size);
    }
  }

  let since: LogVerification['since'];
  const trusted = opened.find((o) => o.which === 'since')?.c;
  if (trusted) {
    const target = newest && newest.c.size >= trusted.size ? newest.c : undefined;
    const newSize = target?.size ?? log.size;
    const newRoot = target?.root ?? prefixRoots(log.hashes, [log.size]).get(log.size)!;
    const ok =
      trusted.size <= log.size &&
      verifyConsistency(
        trusted.size,
        newSize,
        trusted.root,
        newRoot,
        consistencyProof(log.hashes, trusted.size, newSize),
      );
    since = {
      size: trusted.size,
      consistentWith: newSize,
      ok,
      ...(ok
        ? {}
        : {
            problem:
              trusted.size > log.size
                ? `the log has ${log.size} leaves, fewer than the ${trusted.size} of the checkpoint you trusted (leaves were removed)`
                : `the log is not an append-only extension of the checkpoint you trusted (size ${trusted.size})`,
          }),
    };
    if (!ok && !problems.some((p) => p.startsWith('the --since')))
      problems.push(`the --since checkpoint: ${since.problem}`);
  }

  let firstBadLeaf = [...log.badLeaves, ...extraBad].sort((a, b) => a.index - b.index)[0];
  if (mismatchBefore !== undefined && (!firstBadLeaf || firstBadLeaf.index >= mismatchBefore)) {
    firstBadLeaf = {
      index: lastGood,
      reason: `the first leaf that can be bad: leaves #${lastGood}..#${mismatchBefore - 1} no longer match the signed checkpoints`,
    };
  }
  for (const bad of log.badLeaves) problems.push(`leaf #${bad.index}: ${bad.reason}`);
  if (opts.publicKey && log.size > 0 && notes.length === 0)
    problems.push('the log has no checkpoint: nothing signed by the ledger key covers it');
  return {
    ok: problems.length === 0,
    size: log.size,
    ...(newest
      ? { checkpoint: { size: newest.c.size, root: newest.c.root.toString('base64'), note: newest.note } }
      : {}),
    uncovered: log.size - (newest?.c.size ?? 0),
    checkpoints: checks,
    ...(since ? { since } : {}),
    ...(firstBadLeaf ? { firstBadLeaf } : {}),
    problems,
    recoveries: log.recoveries,
  };
}
