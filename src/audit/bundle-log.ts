/**
 * The Merkle-log part of an evidence bundle: the checkpoint the export was proven against, an
 * RFC 9162 inclusion proof for every record and seal in the bundle, and consistency proofs from
 * the ledger's recent earlier checkpoints to it. An auditor verifies the bundle offline against a
 * checkpoint received separately: a bundle whose records were edited (even with every hash and
 * the manifest recomputed) no longer matches the leaves the signed tree holds.
 */
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { InclusionProof } from '../domain/ledger-log.js';
import { CheckpointError, openCheckpoint, type SignedCheckpoint } from '../ledger/checkpoint.js';
import type { ChainSeal, Ledger } from '../ledger/ledger.js';
import { leafText, recordLeaf, sealLeaf } from '../ledger/log-state.js';
import { scanLog, type ScannedLog } from '../ledger/log-verify.js';
import { consistencyProof, verifyConsistency } from '../ledger/merkle.js';
import { checkInclusion, newestCheckpoint, ProofError, proofAt } from '../ledger/prove.js';

export const BUNDLE_CHECKPOINT = 'log/checkpoint';
export const BUNDLE_PROOFS = 'log/proofs.jsonl';
export const BUNDLE_CONSISTENCY = 'log/consistency.jsonl';
/** Earlier checkpoints a bundle proves consistency from: an auditor's is usually among the recent ones. */
const CONSISTENCY_FROM = 32;

const ConsistencyProof = z
  .object({
    oldSize: z.number().int().positive(),
    newSize: z.number().int().positive(),
    hashes: z.array(z.string()),
  })
  .strict();
type ConsistencyProof = z.infer<typeof ConsistencyProof>;

export interface BundleLogFiles {
  checkpoint: string;
  proofs: string;
  consistency: string;
}

/** Proofs for the bundled chains, or undefined when the ledger has no checkpoint by `publicKey`. */
export async function bundleLogFiles(
  ledger: Ledger,
  chainIds: readonly string[],
  publicKey: KeyObject,
): Promise<BundleLogFiles | undefined> {
  const log: ScannedLog = scanLog(await ledger.readLog());
  const notes = await ledger.readCheckpoints();
  let checkpoint: SignedCheckpoint;
  try {
    checkpoint = newestCheckpoint(log, notes, publicKey);
  } catch {
    return undefined;
  }
  const proofs: string[] = [];
  for (const chainId of chainIds) {
    const chain = log.chains.get(chainId);
    if (!chain) continue;
    chain.leaves.forEach((index, seq) => {
      if (index < checkpoint.size)
        proofs.push(
          JSON.stringify(
            proofAt(
              log,
              index,
              checkpoint.size,
              leafText(recordLeaf({ chainId, seq, hash: chain.hashes[seq]! })),
            ),
          ),
        );
    });
    const seal = chain.seal;
    if (seal && seal.leaf < checkpoint.size) {
      const text = leafText({
        kind: 'seal',
        chainId,
        seq: seal.seq,
        headHash: seal.headHash,
        signature: seal.signature,
      });
      proofs.push(JSON.stringify(proofAt(log, seal.leaf, checkpoint.size, text)));
    }
  }
  const earlier = [
    ...new Set(
      notes.flatMap((note) => {
        try {
          const c = openCheckpoint(note, publicKey);
          return c.size > 0 && c.size < checkpoint.size ? [c.size] : [];
        } catch {
          return [];
        }
      }),
    ),
  ].slice(-CONSISTENCY_FROM);
  const consistency = earlier.map((oldSize) =>
    JSON.stringify({
      oldSize,
      newSize: checkpoint.size,
      hashes: consistencyProof(log.hashes, oldSize, checkpoint.size).map((h) => h.toString('base64')),
    } satisfies ConsistencyProof),
  );
  return {
    checkpoint: checkpoint.note,
    proofs: proofs.map((p) => `${p}\n`).join(''),
    consistency: consistency.map((p) => `${p}\n`).join(''),
  };
}

export interface BundleLogVerification {
  ok: boolean;
  /** The bundle's checkpoint (size), when it verified. */
  checkpointSize?: number;
  /** Records and seals shown in the signed tree. */
  proven: number;
  problems: string[];
}

function parseLines<T>(text: string, schema: z.ZodType<T>, file: string, problems: string[]): T[] {
  return text
    .split('\n')
    .filter(Boolean)
    .flatMap((line, i) => {
      try {
        const parsed = schema.safeParse(JSON.parse(line));
        if (parsed.success) return [parsed.data];
        problems.push(`${file} line ${i + 1}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      } catch {
        problems.push(`${file} line ${i + 1}: not valid JSON`);
      }
      return [];
    });
}

/**
 * Checks the bundle's records and seals against its checkpoint, and that checkpoint against the
 * one the auditor received separately (`trusted`, a signed note): the same tree, or a tree that
 * extends it (with a consistency proof from the bundle).
 */
export function verifyBundleLog(
  files: Partial<BundleLogFiles>,
  chains: ReadonlyMap<string, { raw: readonly string[]; seal?: ChainSeal }>,
  publicKey: KeyObject,
  trusted?: string,
): BundleLogVerification {
  const problems: string[] = [];
  if (files.checkpoint === undefined) {
    if (trusted !== undefined)
      throw new CheckpointError('the bundle carries no log checkpoint to check yours against');
    return {
      ok: true,
      proven: 0,
      problems: ['the bundle carries no log checkpoint (exported without a ledger key)'],
    };
  }
  let checkpoint: SignedCheckpoint;
  try {
    checkpoint = openCheckpoint(files.checkpoint, publicKey);
  } catch (err) {
    return { ok: false, proven: 0, problems: [`${BUNDLE_CHECKPOINT}: ${(err as Error).message}`] };
  }
  if (trusted !== undefined) {
    let theirs: SignedCheckpoint;
    try {
      theirs = openCheckpoint(trusted, publicKey);
    } catch (err) {
      throw new CheckpointError(`--checkpoint: ${(err as Error).message}`);
    }
    if (theirs.size > checkpoint.size)
      problems.push(
        `your checkpoint covers ${theirs.size} leaves, the bundle's only ${checkpoint.size}: export a newer bundle`,
      );
    else if (theirs.size === checkpoint.size && !theirs.root.equals(checkpoint.root))
      problems.push(
        `your checkpoint and the bundle's sign different trees of ${theirs.size} leaves (a proof for another tree)`,
      );
    else if (theirs.size < checkpoint.size) {
      const proof = parseLines(files.consistency ?? '', ConsistencyProof, BUNDLE_CONSISTENCY, problems).find(
        (p) => p.oldSize === theirs.size && p.newSize === checkpoint.size,
      );
      if (!proof)
        problems.push(`the bundle carries no consistency proof from your checkpoint's size ${theirs.size}`);
      else if (
        !verifyConsistency(
          theirs.size,
          checkpoint.size,
          theirs.root,
          checkpoint.root,
          proof.hashes.map((h) => Buffer.from(h, 'base64')),
        )
      )
        problems.push(
          `the bundle's tree does not extend the one your checkpoint signs (a proof for another tree)`,
        );
    }
  }

  const proofs = new Map<string, InclusionProof>();
  for (const proof of parseLines(files.proofs ?? '', InclusionProof, BUNDLE_PROOFS, problems)) {
    try {
      checkInclusion(proof, checkpoint);
    } catch (err) {
      problems.push(`${BUNDLE_PROOFS}: leaf #${proof.leafIndex}: ${(err as ProofError).message}`);
      continue;
    }
    proofs.set(proof.leaf, proof);
  }
  let proven = 0;
  for (const [chainId, { raw, seal }] of chains) {
    raw.forEach((text, seq) => {
      let hash = '';
      try {
        hash = (JSON.parse(text) as { hash: string }).hash;
      } catch {
        // An unreadable record matches no leaf; chain verification names it too.
      }
      if (proofs.has(leafText(recordLeaf({ chainId, seq, hash })))) proven++;
      else
        problems.push(
          `${chainId}#${seq}: no proof shows this record in the signed log (edited, or logged after the checkpoint)`,
        );
    });
    if (seal) {
      if (proofs.has(leafText(sealLeaf(seal)))) proven++;
      else problems.push(`${chainId}: no proof shows its seal in the signed log`);
    }
  }
  return { ok: problems.length === 0, checkpointSize: checkpoint.size, proven, problems };
}
