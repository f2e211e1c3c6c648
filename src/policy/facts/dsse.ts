/**
 * DSSE (Dead Simple Signing Envelope) verification with node:crypto, offline: the signature
 * covers PAE(payloadType, payload), never the JSON envelope, so re-encoding cannot forge it.
 * https://github.com/secure-systems-lab/dsse/blob/master/protocol.md
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { TrustedKey } from '../settings.js';

export const DsseEnvelope = z.object({
  payloadType: z.string().min(1),
  payload: z.string(),
  signatures: z
    .array(z.object({ keyid: z.string().optional(), sig: z.string().min(1) }))
    .min(1, 'the envelope has no signatures'),
});
export type DsseEnvelope = z.infer<typeof DsseEnvelope>;

/** Pre-Authentication Encoding: `DSSEv1 <len(type)> <type> <len(body)> <body>`. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `),
    payload,
  ]);
}

export interface VerificationKey {
  id: string;
  key: KeyObject;
  algorithm: 'ed25519' | 'ecdsa-p256';
}

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Parses the configured keys once, at engine start; a key that cannot be used is a config error. */
export function parseTrustedKeys(keys: TrustedKey[]): VerificationKey[] {
  return keys.map((k, i) => {
    const where = `policy.provenance.trustedKeys[${i}] (${k.id})`;
    let key: KeyObject;
    try {
      key = k.publicKey.startsWith('ed25519:')
        ? createPublicKey({
            key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(k.publicKey.slice(8), 'base64')]),
            format: 'der',
            type: 'spki',
          })
        : createPublicKey(k.publicKey);
    } catch (err) {
      throw new Error(`${where}: cannot read the public key: ${(err as Error).message}`);
    }
    if (key.asymmetricKeyType === 'ed25519') return { id: k.id, key, algorithm: 'ed25519' };
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
      return { id: k.id, key, algorithm: 'ecdsa-p256' };
    throw new Error(`${where}: unsupported key type ${key.asymmetricKeyType}; use Ed25519 or ECDSA P-256`);
  });
}

function verifyWith(k: VerificationKey, data: Buffer, sig: Buffer): boolean {
  if (k.algorithm === 'ed25519') return verify(null, data, k.key, sig);
  // Signers differ: cosign and most tools emit DER, some emit the raw 64-byte r||s form.
  if (verify('sha256', data, { key: k.key, dsaEncoding: 'der' }, sig)) return true;
  return sig.length === 64 && verify('sha256', data, { key: k.key, dsaEncoding: 'ieee-p1363' }, sig);
}

/**
 * The ids of the distinct trusted keys that made one of the envelope's signatures, in the
 * order found. A signature's `keyid` is a hint, never binding (DSSE): the key it names is tried
 * first, then every other trusted key. The same key signing twice counts once, so a threshold
 * over this list counts independent signers.
 */
export function verifyEnvelope(envelope: DsseEnvelope, keys: VerificationKey[]): string[] {
  const data = pae(envelope.payloadType, Buffer.from(envelope.payload, 'base64'));
  const signers: string[] = [];
  for (const s of envelope.signatures) {
    const sig = Buffer.from(s.sig, 'base64');
    const candidates = [...keys.filter((k) => k.id === s.keyid), ...keys.filter((k) => k.id !== s.keyid)];
    const match = candidates.find((k) => {
      if (signers.includes(k.id)) return false;
      try {
        return verifyWith(k, data, sig);
      } catch {
        return false;
      }
    });
    if (match) signers.push(match.id);
  }
  return signers;
}
