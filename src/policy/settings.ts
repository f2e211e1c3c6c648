import { z } from 'zod';
import { Sha256Digest } from '../domain/common.js';

/**
 * The operator's policy settings: what the fact modules compare evidence against (trusted keys,
 * allow-lists, thresholds). Packs stay generic; these values are per installation. Every field
 * has a default, so `PolicySettings.parse({})` is a complete, fail-closed configuration: empty
 * allow-lists allow nothing and no key is trusted until one is configured.
 */

const Severity = z.enum(['low', 'medium', 'high', 'critical']);

export const TrustedKey = z.object({
  /** A DSSE signature's `keyid` naming this id is tried with this key first; a keyid is a hint, never binding. */
  id: z.string().min(1),
  /** SPKI PEM (Ed25519 or ECDSA P-256) or `ed25519:<base64 of the 32 raw bytes>`. */
  publicKey: z
    .string()
    .refine(
      (k) => k.includes('-----BEGIN PUBLIC KEY-----') || /^ed25519:[A-Za-z0-9+/]{43}=$/.test(k),
      'must be a PEM public key (-----BEGIN PUBLIC KEY-----) or ed25519:<base64>',
    ),
});
export type TrustedKey = z.infer<typeof TrustedKey>;

export const VulnerabilityIgnore = z.object({
  /** CVE, GHSA or other id as a scanner reports it; the entry covers every alias of that vulnerability. */
  id: z.string().min(1),
  /** Only ignore the finding in this package (any package when absent). */
  package: z.string().optional(),
  reason: z.string().min(1, 'say why the finding is accepted'),
  /** After this instant the entry no longer ignores anything. */
  expires: z.iso.datetime({ offset: true }).or(z.iso.date()),
});
export type VulnerabilityIgnore = z.infer<typeof VulnerabilityIgnore>;

/** A metric threshold: a bare number is a minimum. */
export const MetricThreshold = z.union([
  z.number(),
  z
    .object({ min: z.number().optional(), max: z.number().optional() })
    .refine((t) => t.min !== undefined || t.max !== undefined, 'give min, max or both'),
]);
export type MetricThreshold = z.infer<typeof MetricThreshold>;

/** A publisher whose keyless (Fulcio certificate) signatures are trusted: the identity its CI signs as. */
export const SigstorePublisher = z.object({
  /** OIDC issuer in the certificate, e.g. `https://token.actions.githubusercontent.com`. */
  issuer: z.string().min(1),
  /**
   * The certificate's subject alternative name, exactly (e.g. a GitHub Actions workflow
   * identity `https://github.com/<owner>/<repo>/.github/workflows/<file>@refs/tags/v1.2.3`),
   * or a pattern written `/…/` matched against the whole name.
   */
  subjectAlternativeName: z.string().min(1),
});
export type SigstorePublisher = z.infer<typeof SigstorePublisher>;

export const SigstoreSettings = z.object({
  /** Path of a Sigstore `trusted_root.json` (Fulcio CAs, Rekor and CT log keys); never fetched at run time. */
  trustedRoot: z.string().min(1),
  publishers: z.array(SigstorePublisher).min(1, 'name at least one trusted publisher identity'),
  /** Transparency-log entries (with inclusion proof or promise) a bundle must carry. */
  tlogThreshold: z.number().int().min(1).default(1),
  /** Signed certificate timestamps the signing certificate must carry. */
  ctlogThreshold: z.number().int().min(1).default(1),
});
export type SigstoreSettings = z.infer<typeof SigstoreSettings>;

export const PolicySettings = z.object({
  /** Failed (or errored) rules of this severity or above block the stage; `low` = any failure blocks. */
  blockingSeverity: Severity.default('low'),
  provenance: z
    .object({
      trustedKeys: z.array(TrustedKey).default([]),
      /** Signatures from distinct trusted keys a keyed DSSE envelope needs. */
      threshold: z.number().int().min(1).default(1),
      /** Keyless Sigstore bundles (npm and PyPI attestations) are verified only when this is set. */
      sigstore: SigstoreSettings.optional(),
      /** in-toto predicate types accepted as build provenance. */
      predicateTypes: z
        .array(z.string())
        .default(['https://slsa.dev/provenance/v1', 'https://slsa.dev/provenance/v0.2']),
    })
    .default({
      trustedKeys: [],
      threshold: 1,
      predicateTypes: ['https://slsa.dev/provenance/v1', 'https://slsa.dev/provenance/v0.2'],
    }),
  evidence: z
    .object({
      /** Evidence files larger than this are refused before they are read. */
      maxFileBytes: z
        .number()
        .int()
        .positive()
        .default(4 * 1024 * 1024),
      /** Deepest nesting of objects and arrays an evidence document may have. */
      maxDepth: z.number().int().min(8).max(512).default(64),
    })
    .default({ maxFileBytes: 4 * 1024 * 1024, maxDepth: 64 }),
  sbom: z
    .object({
      /** SPDX license ids that must not appear among the SBOM's components. */
      deniedLicenses: z.array(z.string()).default([]),
    })
    .default({ deniedLicenses: [] }),
  vulnerabilities: z
    .object({
      ignore: z.array(VulnerabilityIgnore).default([]),
    })
    .default({ ignore: [] }),
  thirdParty: z
    .object({
      /** Registry hosts (e.g. `registry.example.com`, `ghcr.io/acme`) artifacts may come from. */
      allowedRegistries: z.array(z.string().min(1)).default([]),
      /** Base image repositories (without tag/digest) builds may start from. */
      allowedBaseImages: z.array(z.string().min(1)).default([]),
    })
    .default({ allowedRegistries: [], allowedBaseImages: [] }),
  ai: z
    .object({
      allowedModels: z
        .array(z.object({ id: z.string().min(1), digest: Sha256Digest.optional() }))
        .default([]),
      /** Metric name → threshold; a metric missing from the evaluation results fails. */
      evaluationThresholds: z.record(z.string(), MetricThreshold).default({}),
      /** Minimum share (0..1) of red-team / prompt-injection cases the model must withstand. */
      redTeamMinPassRate: z.number().min(0).max(1).default(0.95),
    })
    .default({ allowedModels: [], evaluationThresholds: {}, redTeamMinPassRate: 0.95 }),
});
export type PolicySettings = z.infer<typeof PolicySettings>;
export type PolicySettingsInput = z.input<typeof PolicySettings>;

export const SEVERITY_RANK = { low: 0, medium: 1, high: 2, critical: 3 } as const;
export type Severity = z.infer<typeof Severity>;
export { Severity };
