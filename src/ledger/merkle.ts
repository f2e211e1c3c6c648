/**
 * The Merkle tree hash of RFC 9162 §2.1 (Certificate Transparency 2.0), the inclusion proofs of
 * §2.1.3 and the consistency proofs of §2.1.4, with their verification algorithms. A leaf is
 * hashed as SHA-256(0x00 || data), an interior node as SHA-256(0x01 || left || right); the tree
 * of n leaves splits at the largest power of two below n.
 */
import { createHash, hash } from 'node:crypto';

export const HASH_SIZE = 32;
const LEAF_PREFIX = Buffer.of(0);
const NODE_PREFIX = Buffer.of(1);

// One-shot crypto.hash: a createHash object per leaf and node cost more than the hashing itself.
export function leafHash(data: string | Uint8Array): Buffer {
  // U+0000 is the single byte 0x00 in UTF-8.
  return typeof data === 'string'
    ? hash('sha256', `\0${data}`, 'buffer')
    : hash('sha256', Buffer.concat([LEAF_PREFIX, data]), 'buffer');
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([NODE_PREFIX, left, right]), 'buffer');
}

/** The hash of the empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT = createHash('sha256').digest();

/** Leaf hashes by position; a log of a million leaves keeps them in one buffer, not a million objects. */
export interface LeafHashes {
  readonly length: number;
  at(index: number): Buffer;
}

export function leafHashList(hashes: readonly Buffer[]): LeafHashes {
  return { length: hashes.length, at: (i) => hashes[i]! };
}

/** Largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[from:to]). */
export function subtreeRoot(leaves: LeafHashes, from: number, to: number): Buffer {
  const n = to - from;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves.at(from);
  const k = split(n);
  return nodeHash(subtreeRoot(leaves, from, from + k), subtreeRoot(leaves, from + k, to));
}

export function treeRoot(leaves: LeafHashes, size = leaves.length): Buffer {
  return subtreeRoot(leaves, 0, size);
}

/**
 * The right edge of a tree being built leaf by leaf: the roots of its perfect subtrees, largest
 * first. Appending is O(1) amortized and the root of the tree so far is O(log n), so a writer
 * can sign a checkpoint without reading the log again.
 */
export class TreeFrontier {
  private readonly roots: Buffer[] = [];
  private readonly sizes: number[] = [];
  size = 0;

  push(hash: Buffer): void {
    let node = hash;
    let size = 1;
    while (this.sizes.length > 0 && this.sizes.at(-1) === size) {
      node = nodeHash(this.roots.pop()!, node);
      this.sizes.pop();
      size *= 2;
    }
    this.roots.push(node);
    this.sizes.push(size);
    this.size++;
  }

  root(): Buffer {
    if (this.roots.length === 0) return EMPTY_ROOT;
    let node = this.roots.at(-1)!;
    for (let i = this.roots.length - 2; i >= 0; i--) node = nodeHash(this.roots[i]!, node);
    return node;
  }
}

/** PATH(m, D[from:to]) of RFC 9162 §2.1.3.1. */
function path(m: number, leaves: LeafHashes, from: number, to: number): Buffer[] {
  const n = to - from;
  if (n <= 1) return [];
  const k = split(n);
  return m < k
    ? [...path(m, leaves, from, from + k), subtreeRoot(leaves, from + k, to)]
    : [...path(m - k, leaves, from + k, to), subtreeRoot(leaves, from, from + k)];
}

/** The inclusion proof of leaf `index` in the tree of the first `size` leaves. */
export function inclusionProof(leaves: LeafHashes, index: number, size = leaves.length): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= size || size > leaves.length)
    throw new RangeError(`no leaf ${index} in a tree of ${size} leaves`);
  return path(index, leaves, 0, size);
}

/** SUBPROOF(m, D[from:to], b) of RFC 9162 §2.1.4.1. */
function subproof(m: number, leaves: LeafHashes, from: number, to: number, whole: boolean): Buffer[] {
  const n = to - from;
  if (m === n) return whole ? [] : [subtreeRoot(leaves, from, to)];
  const k = split(n);
  return m <= k
    ? [...subproof(m, leaves, from, from + k, whole), subtreeRoot(leaves, from + k, to)]
    : [...subproof(m - k, leaves, from + k, to, false), subtreeRoot(leaves, from, from + k)];
}

/** The consistency proof between the trees of the first `oldSize` and `newSize` leaves. */
export function consistencyProof(leaves: LeafHashes, oldSize: number, newSize = leaves.length): Buffer[] {
  if (!Number.isInteger(oldSize) || oldSize < 0 || oldSize > newSize || newSize > leaves.length)
    throw new RangeError(`no consistency proof from size ${oldSize} to size ${newSize}`);
  if (oldSize === 0 || oldSize === newSize) return [];
  return subproof(oldSize, leaves, 0, newSize, true);
}

/** RFC 9162 §2.1.3.2: does `proof` show leaf `index` with hash `leaf` in the tree with `root`? */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.from(r).equals(Buffer.from(root));
}

/** RFC 9162 §2.1.4.2: is the tree (newSize, newRoot) an append-only extension of (oldSize, oldRoot)? */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
  if (oldSize < 0 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && same(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0;
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(fr, oldRoot) && same(sr, newRoot);
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}
