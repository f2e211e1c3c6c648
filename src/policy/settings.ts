import { z } from 'zod';
import { Sha256Digest } from '../domain/common.js';

/**
 * The operator's policy settings: what the fact modules compare evidence against (trusted keys,
 * allow-lists, thresholds). Packs stay generic; these values are per installation. Every field
 * has a default, so `PolicySettings.parse({})` is a complete, fail-closed configuration: empty
 * allow-lists allow nothing and no key is trusted until one is configured.
 */

const Severity = z.enum(['low', 'medium', 'high', 'critical']);

export const TrustedKey = z.strictObject({
  id: z
    .string()
    .min(1)
    .describe(
      "a DSSE signature's keyid naming this id is tried with this key first; a keyid is a hint, never binding",
    ),
  publicKey: z
    .string()
    .refine(
      (k) => k.includes('-----BEGIN PUBLIC KEY-----') || /^ed25519:[A-Za-z0-9+/]{43}=$/.test(k),
      'must be a PEM public key (-----BEGIN PUBLIC KEY-----) or ed25519:<base64>',
    )
    .describe('SPKI PEM (Ed25519 or ECDSA P-256) or ed25519:<base64 of the 32 raw bytes>'),
});
export type TrustedKey = z.infer<typeof TrustedKey>;

export const VulnerabilityIgnore = z.strictObject({
  id: z.string().min(1).describe('CVE / GHSA / rule id as the scanner reports it'),
  package: z
    .string()
    .optional()
    .describe('only ignore the finding in this package (any package when absent)'),
  reason: z.string().min(1, 'say why the finding is accepted').describe('why the finding is accepted'),
  expires: z.iso
    .datetime({ offset: true })
    .or(z.iso.date())
    .describe('after this date or time the entry no longer ignores anything'),
});
export type VulnerabilityIgnore = z.infer<typeof VulnerabilityIgnore>;

/** A metric threshold: a bare number is a minimum. */
export const MetricThreshold = z
  .union([
    z.number(),
    z
      .strictObject({
        min: z.number().optional().describe('the metric must be at least this'),
        max: z.number().optional().describe('the metric must be at most this'),
      })
      .refine((t) => t.min !== undefined || t.max !== undefined, 'give min, max or both'),
  ])
  .describe('a bare number is a minimum');
export type MetricThreshold = z.infer<typeof MetricThreshold>;

/** A publisher whose keyless (Fulcio certificate) signatures are trusted: the identity its CI signs as. */
export const SigstorePublisher = z.strictObject({
  issuer: z
    .string()
    .min(1)
    .describe('OIDC issuer in the certificate, e.g. https://token.actions.githubusercontent.com'),
  subjectAlternativeName: z
    .string()
    .min(1)
    .describe(
      "the certificate's subject alternative name, exactly (e.g. a GitHub Actions workflow identity), or a pattern written /…/ matched against the whole name",
    ),
});
export type SigstorePublisher = z.infer<typeof SigstorePublisher>;

export const SigstoreSettings = z.strictObject({
  trustedRoot: z
    .string()
    .min(1)
    .describe(
      'path of a Sigstore trusted_root.json (Fulcio CAs, Rekor and CT log keys); never fetched at run time',
    ),
  publishers: z
    .array(SigstorePublisher)
    .min(1, 'name at least one trusted publisher identity')
    .describe('publisher identities whose keyless signatures are trusted'),
  tlogThreshold: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe('transparency-log entries (with inclusion proof or promise) a bundle must carry'),
  ctlogThreshold: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe('signed certificate timestamps the signing certificate must carry'),
});
export type SigstoreSettings = z.infer<typeof SigstoreSettings>;

export const PolicySettings = z
  .strictObject({
    blockingSeverity: Severity.default('low').describe(
      'failed (or errored) rules of this severity or above block the stage; low = any failure blocks',
    ),
    provenance: z
      .strictObject({
        trustedKeys: z.array(TrustedKey).default([]).describe('keys that may sign build provenance'),
        threshold: z
          .number()
          .int()
          .min(1)
          .default(1)
          .describe('signatures from distinct trusted keys a keyed DSSE envelope needs'),
        sigstore: SigstoreSettings.optional().describe(
          'keyless Sigstore bundles (npm and PyPI attestations) are verified only when this is set',
        ),
        predicateTypes: z
          .array(z.string())
          .default(['https://slsa.dev/provenance/v1', 'https://slsa.dev/provenance/v0.2'])
          .describe('in-toto predicate types accepted as build provenance'),
      })
      .default({
        trustedKeys: [],
        threshold: 1,
        predicateTypes: ['https://slsa.dev/provenance/v1', 'https://slsa.dev/provenance/v0.2'],
      })
      .describe('build provenance checks'),
    evidence: z
      .strictObject({
        maxFileBytes: z
          .number()
          .int()
          .positive()
          .default(4 * 1024 * 1024)
          .describe('evidence files larger than this are refused before they are read'),
        maxDepth: z
          .number()
          .int()
          .min(8)
          .max(512)
          .default(64)
          .describe('deepest nesting of objects and arrays an evidence document may have'),
      })
      .default({ maxFileBytes: 4 * 1024 * 1024, maxDepth: 64 })
      .describe('limits on reading evidence files'),
    sbom: z
      .strictObject({
        deniedLicenses: z
          .array(z.string())
          .default([])
          .describe("SPDX license ids that must not appear among the SBOM's components"),
      })
      .default({ deniedLicenses: [] })
      .describe('SBOM checks'),
    vulnerabilities: z
      .strictObject({
        ignore: z
          .array(VulnerabilityIgnore)
          .default([])
          .describe('accepted findings, each with a reason and expiry'),
      })
      .default({ ignore: [] })
      .describe('vulnerability report checks'),
    thirdParty: z
      .strictObject({
        allowedRegistries: z
          .array(z.string().min(1))
          .default([])
          .describe('registry hosts (e.g. registry.example.com, ghcr.io/acme) artifacts may come from'),
        allowedBaseImages: z
          .array(z.string().min(1))
          .default([])
          .describe('base image repositories (without tag/digest) builds may start from'),
      })
      .default({ allowedRegistries: [], allowedBaseImages: [] })
      .describe('third-party component checks'),
    ai: z
      .strictObject({
        allowedModels: z
          .array(
            z.strictObject({
              id: z.string().min(1).describe('model identifier'),
              digest: Sha256Digest.optional().describe('the model weights must have this digest'),
            }),
          )
          .default([])
          .describe('models a release may use'),
        evaluationThresholds: z
          .record(z.string(), MetricThreshold)
          .default({})
          .describe('metric name → threshold; a metric missing from the evaluation results fails'),
        redTeamMinPassRate: z
          .number()
          .min(0)
          .max(1)
          .default(0.95)
          .describe('minimum share (0..1) of red-team / prompt-injection cases the model must withstand'),
      })
      .default({ allowedModels: [], evaluationThresholds: {}, redTeamMinPassRate: 0.95 })
      .describe('AI release checks'),
  })
  .describe('what the policy packs compare evidence against (trusted keys, allow-lists, thresholds)');
export type PolicySettings = z.infer<typeof PolicySettings>;
export type PolicySettingsInput = z.input<typeof PolicySettings>;

export const SEVERITY_RANK = { low: 0, medium: 1, high: 2, critical: 3 } as const;
export type Severity = z.infer<typeof Severity>;
export { Severity };
