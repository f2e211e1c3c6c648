/**
 * Keyless Sigstore bundles (what npm provenance, PyPI attestations and `cosign attest` write):
 * verified offline with `@sigstore/verify` against the operator's `trusted_root.json` — the
 * certificate chains to a Fulcio CA and was valid when the transparency log integrated the
 * entry, it carries enough signed certificate timestamps, the log entries' inclusion proofs or
 * promises verify, the signature is the certificate key's — and then the certificate's identity
 * (SAN and OIDC issuer) must be one of the trusted publishers. Nothing is fetched at run time.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  bundleFromJSON,
  isBundleWithDsseEnvelope,
  ValidationError,
  type BundleWithDsseEnvelope,
} from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import {
  PolicyError,
  toSignedEntity,
  toTrustMaterial,
  Verifier,
  VerificationError,
  type TrustMaterial,
} from '@sigstore/verify';
import type { SigstorePublisher, SigstoreSettings } from '../settings.js';
import { isRecord } from './evidence-file.js';

export interface SigstoreTrust {
  verifier: Verifier;
  publishers: SigstorePublisher[];
  /** The trusted root's CAs and logs, for bundles verified with a configured key instead of a certificate. */
  material: TrustMaterial;
  thresholds: { tlogThreshold: number; ctlogThreshold: number };
}

/** Which check refused a bundle, as a refusal names it. */
export type SigstoreCheck = 'bundle' | 'certificate' | 'sct' | 'tlog' | 'signature' | 'identity';

export type KeylessResult =
  | {
      ok: true;
      payloadType: string;
      payload: Buffer;
      identity: { subjectAlternativeName: string; issuer: string };
    }
  | { ok: false; check: SigstoreCheck; reason: string };

/**
 * Reads the trusted root once, at engine start. A missing or unreadable root is a configuration
 * error (thrown), never a per-release refusal.
 */
export async function loadSigstoreTrust(
  settings: SigstoreSettings | undefined,
  baseDir: string = process.cwd(),
): Promise<SigstoreTrust | undefined> {
  if (!settings) return undefined;
  const file = path.resolve(baseDir, settings.trustedRoot);
  let root: TrustedRoot;
  try {
    root = TrustedRoot.fromJSON(JSON.parse(await readFile(file, 'utf8')));
  } catch (err) {
    throw new Error(
      `policy.provenance.sigstore.trustedRoot: cannot read ${file} as a Sigstore trusted_root.json (${(err as Error).message})`,
    );
  }
  if (root.certificateAuthorities.length === 0 || root.tlogs.length === 0)
    throw new Error(
      `policy.provenance.sigstore.trustedRoot: ${file} names no certificate authority or no transparency log`,
    );
  const material = toTrustMaterial(root);
  const thresholds = { tlogThreshold: settings.tlogThreshold, ctlogThreshold: settings.ctlogThreshold };
  return {
    verifier: new Verifier(material, thresholds),
    publishers: settings.publishers,
    material,
    thresholds,
  };
}

/** A bundle whose verification material is a certificate (chain): signed keylessly. */
export function isKeylessBundle(doc: Record<string, unknown>): boolean {
  const material = isRecord(doc.verificationMaterial) ? doc.verificationMaterial : {};
  return 'certificate' in material || 'x509CertificateChain' in material;
}

/** A Sigstore bundle holding a DSSE envelope, or the check its shape fails. */
export function readDsseBundle(
  doc: unknown,
): { ok: true; bundle: BundleWithDsseEnvelope } | { ok: false; check: SigstoreCheck; reason: string } {
  let bundle;
  try {
    bundle = bundleFromJSON(doc);
  } catch (err) {
    const reason =
      err instanceof ValidationError ? `${err.message} (${err.fields.join(', ')})` : (err as Error).message;
    return {
      ok: false,
      check: /tlog/i.test(reason) ? 'tlog' : 'bundle',
      reason: `not a valid Sigstore bundle: ${reason}`,
    };
  }
  if (!isBundleWithDsseEnvelope(bundle))
    return {
      ok: false,
      check: 'bundle',
      reason: 'the bundle signs a message, not a DSSE envelope: provenance comes as an in-toto attestation',
    };
  return { ok: true, bundle };
}

export function verifyKeylessBundle(doc: unknown, trust: SigstoreTrust): KeylessResult {
  const read = readDsseBundle(doc);
  if (!read.ok) return read;
  const { bundle } = read;
  let signer;
  try {
    signer = trust.verifier.verify(toSignedEntity(bundle));
  } catch (err) {
    const check = checkOf(err);
    const reason = describeError(err) + (check === 'certificate' ? certificateTimes(bundle) : '');
    return { ok: false, check, reason };
  }
  const san = signer.identity?.subjectAlternativeName ?? '';
  const issuer = signer.identity?.extensions?.issuer ?? '';
  if (!trust.publishers.some((p) => p.issuer === issuer && sanMatches(p.subjectAlternativeName, san)))
    return {
      ok: false,
      check: 'identity',
      reason: `signed by ${san || '(no SAN)'} from issuer ${issuer || '(none)'}, which is not a trusted publisher (policy.provenance.sigstore.publishers)`,
    };
  const envelope = bundle.content.dsseEnvelope;
  return {
    ok: true,
    payloadType: envelope.payloadType,
    payload: envelope.payload,
    identity: { subjectAlternativeName: san, issuer },
  };
}

function sanMatches(expected: string, actual: string): boolean {
  const pattern = /^\/(.+)\/$/.exec(expected);
  return pattern ? new RegExp(`^(?:${pattern[1]})$`).test(actual) : expected === actual;
}

/** The error and its causes: @sigstore/verify wraps the reason a chain failed ("not valid or expired at the specified date"). */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 4; e = e.cause) parts.push(e.message);
  return parts.join(': ') || String(err);
}

/** A certificate refusal says when the certificate was valid and when the log says it integrated the entry. */
function certificateTimes(bundle: BundleWithDsseEnvelope): string {
  const material = bundle.verificationMaterial.content;
  const raw =
    material.$case === 'certificate'
      ? material.certificate.rawBytes
      : material.$case === 'x509CertificateChain'
        ? material.x509CertificateChain.certificates[0]?.rawBytes
        : undefined;
  let cert: X509Certificate;
  try {
    if (!raw) return '';
    cert = new X509Certificate(raw);
  } catch {
    return '';
  }
  const integrated = bundle.verificationMaterial.tlogEntries.map((e) =>
    new Date(Number(e.integratedTime) * 1000).toISOString(),
  );
  return ` (the certificate is valid from ${new Date(cert.validFrom).toISOString()} to ${new Date(cert.validTo).toISOString()}; the log entry says it was integrated at ${integrated.join(', ') || 'no time'})`;
}

export function checkOf(err: unknown): SigstoreCheck {
  if (err instanceof PolicyError) return 'identity';
  if (!(err instanceof VerificationError)) return 'bundle';
  if (err.code === 'CERTIFICATE_ERROR') return /SCT/.test(err.message) ? 'sct' : 'certificate';
  if (err.code === 'SIGNATURE_ERROR') return 'signature';
  if (err.code === 'PUBLIC_KEY_ERROR') return 'certificate';
  return 'tlog';
}
