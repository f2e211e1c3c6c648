/**
 * Chain-head seals and artifact attestations: Ed25519 signatures made with the ledger signing
 * key, so whoever can write the store (a database administrator) cannot rewrite a finished
 * promotion's evidence or swap its archived history unnoticed.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalBytes } from '../domain/canonical.js';
import { fingerprint, parsePublicKeyText, readPrivateKey } from '../approvals/keys.js';
import type { ChainSeal } from './ledger.js';

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface LedgerSigner {
  keyId: string;
  sign(payload: unknown): string;
  /** Ed25519 over exactly these bytes (checkpoint notes sign their text, not canonical JSON). */
  signBytes(bytes: Uint8Array): Buffer;
  publicKey: KeyObject;
}

/** The 32 raw bytes of an Ed25519 key, from either half of the pair. */
export function rawKeyBytes(key: KeyObject): Buffer {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  return publicKey.export({ type: 'spki', format: 'der' }).subarray(ED25519_SPKI_PREFIX.length);
}

export function ledgerKeyId(raw: Buffer): string {
  return `ledger:${fingerprint(raw)}`;
}

export function signerFromKey(key: KeyObject): LedgerSigner {
  return {
    keyId: ledgerKeyId(rawKeyBytes(key)),
    sign: (payload) => sign(null, canonicalBytes(payload), key).toString('hex'),
    signBytes: (bytes) => sign(null, bytes, key),
    publicKey: createPublicKey(key),
  };
}

export async function loadLedgerSigner(file: string): Promise<LedgerSigner> {
  return signerFromKey(await readPrivateKey(file));
}

/** A public key from `ed25519:<base64>` / `ssh-ed25519` text, as printed by `publicKeyText`. */
export function publicKeyFromText(text: string): KeyObject {
  const raw = parsePublicKeyText(text.trim());
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

function sealPayload(seal: ChainSeal): Omit<ChainSeal, 'signature'> {
  return {
    chainId: seal.chainId,
    seq: seal.seq,
    headHash: seal.headHash,
    keyId: seal.keyId,
    sealedAt: seal.sealedAt,
  };
}

export function makeSeal(
  signer: LedgerSigner,
  head: { chainId: string; seq: number; hash: string },
  sealedAt: string,
): ChainSeal {
  const unsigned = {
    chainId: head.chainId,
    seq: head.seq,
    headHash: head.hash,
    keyId: signer.keyId,
    sealedAt,
    signature: '',
  };
  return { ...unsigned, signature: signer.sign(sealPayload(unsigned)) };
}

function checkSignature(
  payload: unknown,
  signatureHex: string,
  keyId: string,
  publicKey: KeyObject,
): string | undefined {
  const expectedKeyId = ledgerKeyId(rawKeyBytes(publicKey));
  if (keyId !== expectedKeyId) return `signed by ${keyId}, but the trusted ledger key is ${expectedKeyId}`;
  if (!/^[0-9a-f]{128}$/.test(signatureHex)) return 'signature is not 64 bytes of hex';
  return verify(null, canonicalBytes(payload), publicKey, Buffer.from(signatureHex, 'hex'))
    ? undefined
    : 'signature does not match';
}

/** Returns why the seal is invalid, or undefined when it is a valid signature by `publicKey`. */
export function checkSeal(seal: ChainSeal, publicKey: KeyObject): string | undefined {
  return checkSignature(sealPayload(seal), seal.signature, seal.keyId, publicKey);
}

/** What an archived artifact's attestation signs: which promotion, which file, which bytes. */
export interface ArtifactAttestation {
  keyId: string;
  signature: string;
}

export function attestArtifact(
  signer: LedgerSigner,
  promotionId: string,
  name: string,
  sha256: string,
): ArtifactAttestation {
  return { keyId: signer.keyId, signature: signer.sign({ promotionId, name, sha256 }) };
}

export function checkArtifactAttestation(
  entry: { promotionId: string; name: string; sha256: string } & Partial<ArtifactAttestation>,
  publicKey: KeyObject,
): string | undefined {
  if (!entry.signature || !entry.keyId) return 'artifact is not attested by the ledger key';
  return checkSignature(
    { promotionId: entry.promotionId, name: entry.name, sha256: entry.sha256 },
    entry.signature,
    entry.keyId,
    publicKey,
  );
}

/**
 * The ledger signer a process holds when its config names `ledgerSigningKey`: with it the store
 * signs checkpoints of its Merkle log (regularly and at every seal); without it, none.
 */
export async function ledgerSignerFromConfig(keyFile: string | undefined): Promise<LedgerSigner | undefined> {
  if (!keyFile) return undefined;
  try {
    return await loadLedgerSigner(keyFile);
  } catch (err) {
    throw new Error(
      `ledger signing key ${keyFile}: ${(err as Error).message} (fix ledgerSigningKey in the Tollgate config)`,
    );
  }
}
