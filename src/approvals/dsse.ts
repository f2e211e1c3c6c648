/**
 * DSSE envelopes (Dead Simple Signing Envelope, v1) signed and verified with Ed25519 through
 * node:crypto: the signature covers PAE(payloadType, payload), never the JSON around it, so any
 * standard DSSE verifier (securesystemslib, sigstore-go, in-toto) checks the same bytes.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { DsseEnvelope } from '../domain/attestation.js';
import { fingerprint, rawPublicKey } from '../keys.js';

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Pre-Authentication Encoding: `DSSEv1 <len(type)> <type> <len(body)> <body>`. */
export function pae(payloadType: string, body: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

/** The key id an envelope names for an Ed25519 key: the key's short sha256 fingerprint. */
export function dsseKeyId(publicKey: KeyObject): string {
  return fingerprint(rawPublicKey(publicKey));
}

export function publicKeyFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function signEnvelope(payloadType: string, body: Buffer, key: KeyObject): DsseEnvelope {
  return {
    payloadType,
    payload: body.toString('base64'),
    signatures: [{ keyid: dsseKeyId(key), sig: sign(null, pae(payloadType, body), key).toString('base64') }],
  };
}

/**
 * The envelope's payload when one of its signatures verifies with one of `trusted` (raw
 * Ed25519 public keys), else why not. The payload is returned as the signed bytes.
 */
export function openEnvelope(
  envelope: unknown,
  trusted: Buffer[],
  expectedType: string,
): { body: Buffer } | { problem: string } {
  const parsed = DsseEnvelope.safeParse(envelope);
  if (!parsed.success) return { problem: 'not a DSSE envelope (payloadType, payload, signatures)' };
  const { payloadType, payload, signatures } = parsed.data;
  if (payloadType !== expectedType) return { problem: `payload type ${payloadType} is not ${expectedType}` };
  if (trusted.length === 0) return { problem: 'no trusted attestation key is configured' };
  const body = Buffer.from(payload, 'base64');
  if (body.toString('base64') !== payload.replace(/\s/g, ''))
    return { problem: 'the payload is not canonical base64' };
  const signed = pae(payloadType, body);
  for (const raw of trusted) {
    const key = publicKeyFromRaw(raw);
    const id = dsseKeyId(key);
    for (const s of signatures) {
      if (s.keyid && s.keyid !== id) continue;
      let ok = false;
      try {
        ok = verify(null, signed, key, Buffer.from(s.sig, 'base64'));
      } catch {
        ok = false;
      }
      if (ok) return { body };
    }
  }
  return {
    problem: `no signature verifies with a trusted orchestration key (signed by ${signatures.map((s) => s.keyid || 'an unnamed key').join(', ')})`,
  };
}
