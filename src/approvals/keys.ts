/**
 * Node-side key handling for signers (CLI, chat hook, tests): Ed25519 keys in PKCS#8 PEM files,
 * public keys as written in config (`ed25519:<base64>` or an `ssh-ed25519` line), signing.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { canonicalBytes } from '../domain/canonical.js';
import type { Action, Signed } from './actions.js';

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Raw 32-byte public key from a config entry. */
export function parsePublicKeyText(text: string): Buffer {
  if (text.startsWith('ed25519:')) {
    const raw = Buffer.from(text.slice('ed25519:'.length), 'base64');
    if (raw.length !== 32) throw new Error('ed25519 public key must be 32 bytes');
    return raw;
  }
  if (text.startsWith('ssh-ed25519 ')) {
    // OpenSSH wire format: string "ssh-ed25519", string <32-byte key> (each a uint32 length + bytes).
    const blob = Buffer.from(text.split(' ')[1] ?? '', 'base64');
    const typeLen = blob.readUInt32BE(0);
    const type = blob.subarray(4, 4 + typeLen).toString();
    const keyLen = blob.readUInt32BE(4 + typeLen);
    const raw = blob.subarray(8 + typeLen, 8 + typeLen + keyLen);
    if (type !== 'ssh-ed25519' || raw.length !== 32) throw new Error('not an ssh-ed25519 public key');
    return raw;
  }
  throw new Error('public key must be ed25519:<base64> or an ssh-ed25519 line');
}

export function rawPublicKey(key: KeyObject): Buffer {
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return der.subarray(ED25519_SPKI_PREFIX.length);
}

export function publicKeyText(key: KeyObject): string {
  return `ed25519:${rawPublicKey(key).toString('base64')}`;
}

/** A short, stable fingerprint used in key ids: first 16 hex chars of sha256(raw key). */
export function fingerprint(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

export function principalKeyId(principal: string, raw: Buffer): string {
  return `principal:${principal}:${fingerprint(raw)}`;
}

export function chatServiceKeyId(id: string): string {
  return `chat:${id}`;
}

export function generateSigningKey(): KeyObject {
  return generateKeyPairSync('ed25519').privateKey;
}

export async function writePrivateKey(file: string, key: KeyObject): Promise<void> {
  await writeFile(file, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}

export async function readPrivateKey(file: string): Promise<KeyObject> {
  const pem = await readFile(file, 'utf8');
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: not an Ed25519 private key`);
  return key;
}

export function newNonce(): string {
  return randomBytes(12).toString('hex');
}

export function signAction<T extends Action>(payload: T, keyId: string, key: KeyObject): Signed<T> {
  const signature = sign(null, canonicalBytes(payload), key).toString('hex');
  return { payload, keyId, signature };
}
