/**
 * PyPI attestations (PEP 740) as PyPI's integrity API serves them: a provenance object
 * (`attestation_bundles[].attestations[]`) or one attestation (`verification_material` with the
 * Fulcio certificate and the Rekor entries, `envelope` with the in-toto statement and its
 * signature). Each attestation is a Sigstore bundle in another layout, so it is rewritten as one
 * (as pypi-attestations' `to_bundle` does) and verified on the keyless path with the trusted
 * publishers; the `publisher` PyPI lists beside it is unsigned and decides nothing.
 * https://peps.python.org/pep-0740/
 */
import { z } from 'zod';
import { isRecord } from './evidence-file.js';
import { firstIssue } from '../../domain/zod-issue.js';

const Attestation = z.object({
  version: z.literal(1),
  verification_material: z.object({
    certificate: z.string().min(1),
    transparency_entries: z.array(z.record(z.string(), z.unknown())),
  }),
  envelope: z.object({ statement: z.string().min(1), signature: z.string().min(1) }),
});

const Provenance = z.object({
  version: z.literal(1),
  attestation_bundles: z
    .array(
      z.object({ attestations: z.array(Attestation).min(1, 'an attestation bundle without attestations') }),
    )
    .min(1, 'the provenance holds no attestation bundle'),
});

/** A provenance object or a single attestation, as PyPI serves them. */
export function isPypiAttestation(doc: unknown): boolean {
  return (
    isRecord(doc) && ('attestation_bundles' in doc || ('verification_material' in doc && 'envelope' in doc))
  );
}

export type PypiBundles =
  { ok: true; bundles: { where: string; bundle: Record<string, unknown> }[] } | { ok: false; reason: string };

/** Every attestation in the document, each as the Sigstore bundle it stands for. */
export function pypiAttestationBundles(doc: unknown): PypiBundles {
  const single = isRecord(doc) && !('attestation_bundles' in doc);
  const parsed = single ? Attestation.safeParse(doc) : Provenance.safeParse(doc);
  if (!parsed.success) {
    return {
      ok: false,
      reason: `not a PEP 740 ${single ? 'attestation' : 'provenance object'} (${firstIssue(parsed.error, 'document')})`,
    };
  }
  const attestations = single
    ? [{ where: 'attestation', attestation: parsed.data as z.infer<typeof Attestation> }]
    : (parsed.data as z.infer<typeof Provenance>).attestation_bundles.flatMap((b, i) =>
        b.attestations.map((attestation, j) => ({
          where: `attestation_bundles[${i}].attestations[${j}]`,
          attestation,
        })),
      );
  return {
    ok: true,
    bundles: attestations.map(({ where, attestation }) => ({ where, bundle: toBundle(attestation) })),
  };
}

function toBundle(a: z.infer<typeof Attestation>): Record<string, unknown> {
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: {
      certificate: { rawBytes: a.verification_material.certificate },
      tlogEntries: a.verification_material.transparency_entries,
    },
    dsseEnvelope: {
      payload: a.envelope.statement,
      payloadType: 'application/vnd.in-toto+json',
      signatures: [{ sig: a.envelope.signature }],
    },
  };
}
