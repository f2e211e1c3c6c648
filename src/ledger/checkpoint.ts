/**
 * Signed checkpoints of the ledger's Merkle log in the C2SP tlog-checkpoint format, signed as a
 * C2SP signed note with the ledger key (Ed25519):
 *
 *   tollgate.ledger/<key fingerprint>      origin: which log
 *   1234                                   tree size
 *   <base64 root hash>                     RFC 9162 tree hash of the first 1234 leaves
 *
 *   — tollgate.ledger/<key fingerprint> <base64(4-byte key hash || 64-byte signature)>
 *
 * The key hash is SHA-256(name || 0x0A || 0x01 || public key)[0:4], 0x01 being Ed25519's
 * signature type, so Go's golang.org/x/mod/sumdb/note verifies these notes too.
 */
import { createHash, verify, type KeyObject } from 'node:crypto';
import { fingerprint } from '../approvals/keys.js';
import { rawKeyBytes, type LedgerSigner } from './seal.js';

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
}

export interface SignedCheckpoint extends Checkpoint {
  /** The whole signed note, as stored and as handed to auditors. */
  note: string;
}

const ED25519 = 0x01;
const DASH = '\u2014';

/** The log's origin line and note key name: derived from the ledger key, so a new key is a new log. */
export function logOrigin(publicKey: KeyObject): string {
  return `tollgate.ledger/${fingerprint(rawKeyBytes(publicKey))}`;
}

function keyHash(name: string, publicKey: KeyObject): Buffer {
  return createHash('sha256')
    .update(`${name}\n`)
    .update(Buffer.of(ED25519))
    .update(rawKeyBytes(publicKey))
    .digest()
    .subarray(0, 4);
}

export function checkpointBody(c: Checkpoint): string {
  return `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n`;
}

export function signCheckpoint(signer: LedgerSigner, size: number, root: Buffer): SignedCheckpoint {
  const origin = logOrigin(signer.publicKey);
  const body = checkpointBody({ origin, size, root });
  const signature = signer.signBytes(Buffer.from(body, 'utf8'));
  const line = `${DASH} ${origin} ${Buffer.concat([keyHash(origin, signer.publicKey), signature]).toString('base64')}\n`;
  return { origin, size, root, note: `${body}\n${line}` };
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** Reads a checkpoint without trusting it: the body's three lines, or why it is not a checkpoint. */
export function parseCheckpoint(note: string): Checkpoint & { body: string; signatures: string[] } {
  const cut = note.indexOf('\n\n');
  if (cut < 0)
    throw new CheckpointError('not a signed note: no blank line between the checkpoint and its signatures');
  const body = note.slice(0, cut + 1);
  const [origin, sizeText, rootText] = body.split('\n');
  if (!origin || !sizeText || rootText === undefined)
    throw new CheckpointError('not a checkpoint: expected origin, tree size and root hash lines');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    throw new CheckpointError(`not a checkpoint: tree size "${sizeText}" is not a decimal number`);
  const root = Buffer.from(rootText, 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootText)
    throw new CheckpointError('not a checkpoint: the root hash is not 32 bytes of base64');
  const signatures = note
    .slice(cut + 2)
    .split('\n')
    .filter((l) => l.length > 0);
  return { origin, size: Number(sizeText), root, body, signatures };
}

/**
 * Parses a checkpoint and checks its signature by the trusted ledger key; throws a
 * CheckpointError saying why it is refused (another key, another log, a changed body).
 */
export function openCheckpoint(note: string, publicKey: KeyObject): SignedCheckpoint {
  const parsed = parseCheckpoint(note);
  const name = logOrigin(publicKey);
  if (parsed.origin !== name)
    throw new CheckpointError(
      `checkpoint of log ${parsed.origin}, but the trusted ledger key's log is ${name} (signed by another key?)`,
    );
  const wanted = keyHash(name, publicKey);
  const signers: string[] = [];
  for (const line of parsed.signatures) {
    const match = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!match) throw new CheckpointError(`malformed signature line: ${line.slice(0, 60)}`);
    const bytes = Buffer.from(match[2]!, 'base64');
    signers.push(`${match[1]} (key hash ${bytes.subarray(0, 4).toString('hex')})`);
    if (match[1] !== name || bytes.length !== 68 || !bytes.subarray(0, 4).equals(wanted)) continue;
    if (!verify(null, Buffer.from(parsed.body, 'utf8'), publicKey, bytes.subarray(4)))
      throw new CheckpointError(
        `checkpoint signature by ${name} does not match its content (the checkpoint was edited)`,
      );
    return { origin: parsed.origin, size: parsed.size, root: parsed.root, note };
  }
  throw new CheckpointError(
    `checkpoint is not signed by the trusted ledger key ${name} (key hash ${wanted.toString('hex')}); signed by: ${signers.join(', ') || 'nobody'}`,
  );
}
