/**
 * Sigstore bundles that name a public key instead of carrying a certificate (`cosign attest
 * --key`, sigstore-js with a key): the signature is the configured key's, and the bundle's
 * transparency-log entries are checked like a keyless bundle's — inclusion proof or signed entry
 * timestamp against the logs of the operator's trusted root, at least `tlogThreshold` of them,
 * the entry agreeing with the envelope. Verifying only the envelope would let a bundle whose log
 * entry was destroyed pass. The bundle's key hint is only a hint: the key it names is tried
 * first, then every other trusted key.
 */
import { toSignedEntity, Verifier } from '@sigstore/verify';
import type { VerificationKey } from './dsse.js';
import {
  checkOf,
  describeError,
  readDsseBundle,
  type SigstoreCheck,
  type SigstoreTrust,
} from './sigstore.js';

export type KeyedBundleResult =
  | { ok: true; signer: string; payloadType: string; payload: Buffer }
  | { ok: false; check: SigstoreCheck; reason: string };

export function verifyKeyedBundle(
  doc: unknown,
  trust: SigstoreTrust,
  keys: VerificationKey[],
): KeyedBundleResult {
  const read = readDsseBundle(doc);
  if (!read.ok) return read;
  const { bundle } = read;
  const hint =
    bundle.verificationMaterial.content.$case === 'publicKey'
      ? bundle.verificationMaterial.content.publicKey.hint
      : '';
  const candidates = [...keys.filter((k) => k.id === hint), ...keys.filter((k) => k.id !== hint)];
  const entity = toSignedEntity(bundle);
  let firstError: unknown;
  for (const candidate of candidates) {
    const verifier = new Verifier(
      { ...trust.material, publicKey: () => ({ publicKey: candidate.key, validFor: () => true }) },
      trust.thresholds,
    );
    try {
      verifier.verify(entity);
    } catch (err) {
      // The log entries are checked before the key: a log failure is the same with every key.
      if (checkOf(err) !== 'signature') return { ok: false, check: checkOf(err), reason: describeError(err) };
      firstError ??= err;
      continue;
    }
    const envelope = bundle.content.dsseEnvelope;
    return { ok: true, signer: candidate.id, payloadType: envelope.payloadType, payload: envelope.payload };
  }
  return {
    ok: false,
    check: 'signature',
    reason: firstError
      ? `no trusted key (policy.provenance.trustedKeys) made the bundle's signature: ${describeError(firstError)}`
      : 'no trusted keys configured (policy.provenance.trustedKeys), so no signature can be verified',
  };
}
