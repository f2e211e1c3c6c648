/**
 * Node-side key handling for signers (CLI, chat hook, tests): Ed25519 keys in PKCS#8 PEM files
 * or OpenSSH private key files (`ssh-keygen -t ed25519`), public keys as written in config
 * (`ed25519:<base64>` or an `ssh-ed25519` line), signing.
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
import { canonicalBytes } from './domain/canonical.js';
import type { Action, Signed } from './approvals/actions.js';

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** PKCS#8 DER of an Ed25519 key is this prefix followed by the 32-byte seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const OPENSSH_PRIVATE_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----';

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
    const field = (at: number) => {
      const length = blob.length >= at + 4 ? blob.readUInt32BE(at) : -1;
      return length >= 0 && blob.length >= at + 4 + length
        ? blob.subarray(at + 4, at + 4 + length)
        : undefined;
    };
    const type = field(0);
    const raw = type ? field(4 + type.length) : undefined;
    if (type?.toString() !== 'ssh-ed25519' || raw?.length !== 32)
      throw new Error('not an ssh-ed25519 public key (copy the whole line of the .pub file)');
    return raw;
  }
  if (/^(ssh-|ecdsa-)/.test(text))
    throw new Error(
      `${text.split(' ')[0]} keys are not supported: use an Ed25519 key (ssh-keygen -t ed25519)`,
    );
  throw new Error('public key must be ed25519:<base64> or an ssh-ed25519 line');
}

export function rawPublicKey(key: KeyObject): Buffer {
  const der = (key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' });
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

/** An Ed25519 private key from a PKCS#8 PEM file or an unencrypted OpenSSH private key file. */
export async function readPrivateKey(file: string): Promise<KeyObject> {
  const pem = await readFile(file, 'utf8');
  const key = pem.includes(OPENSSH_PRIVATE_KEY) ? await fromOpenSsh(pem, file) : createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: not an Ed25519 private key`);
  return key;
}

/**
 * Node's crypto cannot read the OpenSSH key format, so sshpk parses it (loaded only for such
 * files); the Ed25519 seed it yields becomes an ordinary key object.
 */
async function fromOpenSsh(text: string, file: string): Promise<KeyObject> {
  const { default: sshpk } = await import('sshpk');
  let parsed;
  try {
    parsed = sshpk.parsePrivateKey(text, 'ssh', { filename: file });
  } catch (err) {
    if (err instanceof sshpk.KeyEncryptedError)
      throw new Error(
        `${file} is protected by a passphrase, which Tollgate cannot ask for: sign with a copy without one (cp ${file} <copy> && ssh-keygen -p -N "" -f <copy>) or create a Tollgate key with \`tollgate keys init\``,
      );
    throw new Error(`${file}: not a readable OpenSSH private key (${(err as Error).message})`);
  }
  if (parsed.type !== 'ed25519')
    throw new Error(
      `${file} is an SSH ${parsed.type} key; Tollgate signs with Ed25519 only: ssh-keygen -t ed25519, or \`tollgate keys init\``,
    );
  // sshpk names the 32-byte Ed25519 seed `k` (and the public key `A`).
  const seed = parsed.parts.find((p) => p.name === 'k')?.data;
  if (seed?.length !== 32) throw new Error(`${file}: the Ed25519 key has no 32-byte seed`);
  return createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
}

export function newNonce(): string {
  return randomBytes(12).toString('hex');
}

export function signAction<T extends Action>(payload: T, keyId: string, key: KeyObject): Signed<T> {
  const signature = sign(null, canonicalBytes(payload), key).toString('hex');
  return { payload, keyId, signature };
}
