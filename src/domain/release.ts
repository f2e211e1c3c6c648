import { z } from 'zod';
import { Name, PrincipalId, Sha256Digest } from './common.js';

/** One deployable artifact of a release, always pinned by digest. */
export const Artifact = z.object({
  name: Name,
  /** Image or package reference as deployed, e.g. `registry.example.com/app@sha256:…`. */
  ref: z.string().min(1),
  digest: Sha256Digest,
  /**
   * The artifact's sha512, for attestations whose subjects carry only sha512 (npm provenance
   * names the package tarball by the sha512 of its `integrity`).
   */
  sha512: z
    .string()
    .regex(/^sha512:[0-9a-f]{128}$/, 'must be sha512:<128 lowercase hex>')
    .optional(),
  type: z.enum(['container-image', 'package', 'archive', 'model']).default('container-image'),
});
export type Artifact = z.infer<typeof Artifact>;

/** Paths (relative to the manifest) of evidence attached to the release by its build. */
export const AttachedEvidence = z
  .object({
    provenance: z.string().optional().describe('DSSE envelope / in-toto statement or Sigstore bundle'),
    sbom: z.string().optional().describe('CycloneDX or SPDX JSON'),
    vulnerabilities: z.array(z.string()).default([]).describe('SARIF, Trivy or Grype JSON reports'),
    deploymentManifests: z.array(z.string()).default([]).describe('Kubernetes manifests the release deploys'),
    digests: z
      .record(z.string(), Sha256Digest)
      .optional()
      .describe(
        "sha256 of each evidence file (by its path above) as `tollgate promote` stored it in the ledger's blob store; workers read evidence by these digests",
      ),
  })
  .default({ vulnerabilities: [], deploymentManifests: [] });

/** The optional AI section: what a model-backed release must disclose. */
export const AiRelease = z.object({
  model: z.object({ id: z.string().min(1), digest: Sha256Digest, provider: z.string().optional() }),
  modelCard: z.string().optional().describe('path to the model card (JSON or Markdown)'),
  evaluations: z.string().optional().describe('path to evaluation results JSON'),
  redTeam: z.string().optional().describe('path to red-team / prompt-injection results JSON'),
  userFacing: z.boolean().default(false),
  transparencyNotice: z.string().optional().describe('path or URL of the user-facing AI notice'),
  riskClass: z.enum(['minimal', 'limited', 'high', 'gpai', 'gpai-systemic']).optional(),
});
export type AiRelease = z.infer<typeof AiRelease>;

export const Release = z.object({
  apiVersion: z.literal('tollgate.dev/v1'),
  kind: z.literal('Release'),
  app: Name,
  version: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, 'must be a version such as 1.4.2 or 2024.05.01-rc1'),
  artifacts: z.array(Artifact).min(1, 'a release needs at least one artifact'),
  evidence: AttachedEvidence,
  ai: AiRelease.optional(),
  requester: PrincipalId,
  change: z.object({
    description: z.string().min(1),
    ticket: z.string().optional(),
  }),
  commitAuthors: z.array(PrincipalId).default([]),
  labels: z.record(z.string(), z.string()).default({}),
});
export type Release = z.infer<typeof Release>;
export type ReleaseInput = z.input<typeof Release>;
