import { z } from 'zod';
import { Name, PrincipalId, Sha256Digest } from './common.js';

/**
 * Unknown fields are errors (strict objects): a misspelt field such as `reqester:` must not pass
 * validation and leave the real one at its default.
 */

/** One deployable artifact of a release, always pinned by digest. */
export const Artifact = z.strictObject({
  name: Name.describe('artifact name, e.g. api'),
  ref: z
    .string()
    .min(1)
    .describe('image or package reference as deployed, e.g. registry.example.com/app@sha256:…'),
  digest: Sha256Digest.describe('sha256:<64 hex> of the artifact; the release is pinned by it'),
  sha512: z
    .string()
    .regex(/^sha512:[0-9a-f]{128}$/, 'must be sha512:<128 lowercase hex>')
    .optional()
    .describe(
      'sha512:<128 hex> of the artifact, for attestations whose subjects carry only sha512 (npm provenance)',
    ),
  type: z
    .enum(['container-image', 'package', 'archive', 'model'])
    .default('container-image')
    .describe('what kind of artifact this is'),
});
export type Artifact = z.infer<typeof Artifact>;

/** Paths (relative to the manifest) of evidence attached to the release by its build. */
export const AttachedEvidence = z
  .strictObject({
    provenance: z
      .string()
      .optional()
      .describe('build provenance: DSSE envelope / in-toto statement or Sigstore bundle (path)'),
    sbom: z.string().optional().describe('software bill of materials, CycloneDX or SPDX JSON (path)'),
    vulnerabilities: z
      .array(z.string())
      .default([])
      .describe('vulnerability reports: SARIF, Trivy or Grype JSON (paths)'),
    deploymentManifests: z
      .array(z.string())
      .default([])
      .describe('Kubernetes manifests the release deploys (paths)'),
    digests: z
      .record(z.string(), Sha256Digest)
      .optional()
      .describe(
        "sha256 of each evidence file (by its path above) as `tollgate promote` stored it in the ledger's blob store; workers read evidence by these digests",
      ),
  })
  .default({ vulnerabilities: [], deploymentManifests: [] })
  .describe('evidence attached by the build; paths are relative to the manifest');

/** The optional AI section: what a model-backed release must disclose. */
export const AiRelease = z
  .strictObject({
    model: z
      .strictObject({
        id: z.string().min(1).describe('model identifier, e.g. acme/support-llm-7b'),
        digest: Sha256Digest.describe('sha256 of the model weights'),
        provider: z.string().optional().describe('who supplies the model'),
      })
      .describe('the model the release uses'),
    modelCard: z.string().optional().describe('path to the model card (JSON or Markdown)'),
    evaluations: z.string().optional().describe('path to evaluation results JSON'),
    redTeam: z.string().optional().describe('path to red-team / prompt-injection results JSON'),
    userFacing: z.boolean().default(false).describe('whether people interact with the model directly'),
    transparencyNotice: z.string().optional().describe('path or URL of the user-facing AI notice'),
    riskClass: z
      .enum(['minimal', 'limited', 'high', 'gpai', 'gpai-systemic'])
      .optional()
      .describe('EU AI Act risk class'),
  })
  .describe('what a model-backed release must disclose');
export type AiRelease = z.infer<typeof AiRelease>;

export const Release = z
  .strictObject({
    apiVersion: z.literal('tollgate.dev/v1').describe('always tollgate.dev/v1'),
    kind: z.literal('Release').describe('always Release'),
    app: Name.describe('the app being released; pipelines and stage locks are per app'),
    version: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, 'must be a version such as 1.4.2 or 2024.05.01-rc1')
      .describe('the version being released, e.g. 1.4.2'),
    artifacts: z
      .array(Artifact)
      .min(1, 'a release needs at least one artifact')
      .describe('what is deployed, each pinned by digest'),
    evidence: AttachedEvidence,
    ai: AiRelease.optional(),
    requester: PrincipalId.describe('the principal who requests the promotion (may not approve it)'),
    change: z
      .strictObject({
        description: z.string().min(1).describe('what changes, for approvers and the audit report'),
        ticket: z.string().optional().describe('change ticket, e.g. CHG-42'),
      })
      .describe('the change this release makes'),
    commitAuthors: z
      .array(PrincipalId)
      .default([])
      .describe('principals who wrote the change (segregation of duties: they may not approve it)'),
    labels: z.record(z.string(), z.string()).default({}).describe('free-form labels'),
  })
  .describe('A Tollgate release manifest');
export type Release = z.infer<typeof Release>;
export type ReleaseInput = z.input<typeof Release>;
