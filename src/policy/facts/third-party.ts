/**
 * Third-party vetting: every image comes from an allowed registry and is addressed by digest,
 * the release's own artifacts carry the digest the manifest declares, and the build started
 * from an allowed base image.
 */
import type { FactContext } from './context.js';
import type { DeploymentFacts } from './deployment-config.js';
import { isDigestPinned, matchesAllowList, parseImageRef } from './image-ref.js';
import type { ProvenanceFacts } from './provenance.js';

export interface ThirdPartyFacts {
  /** Container references checked: the release's image artifacts and the manifests' images. */
  images: string[];
  /** References without an immutable @sha256 digest (`:latest`, `:1.2`, no tag). */
  unpinned: string[];
  /** References whose registry/repository is not on policy.thirdParty.allowedRegistries. */
  disallowedRegistries: string[];
  /** Release artifacts whose ref carries a digest different from the declared `digest`. */
  digestMismatches: string[];
  /** Base images from the verified provenance; empty when it names none. */
  baseImages: string[];
  disallowedBaseImages: string[];
  allPinned: boolean;
  allRegistriesAllowed: boolean;
  baseImagesAllowed: boolean;
  errors: string[];
}

export function thirdPartyFacts(
  ctx: FactContext,
  deployment: DeploymentFacts,
  provenance: ProvenanceFacts,
): ThirdPartyFacts {
  const { allowedRegistries, allowedBaseImages } = ctx.settings.thirdParty;
  const images = ctx.release.artifacts.filter((a) => a.type === 'container-image');
  const refs = [...new Set([...images.map((a) => a.ref), ...deployment.images])].sort();
  const parsed = refs.map(parseImageRef);
  const unpinned = parsed.filter((r) => !isDigestPinned(r)).map((r) => r.ref);
  const disallowedRegistries = parsed
    .filter((r) => !matchesAllowList(r.repository, allowedRegistries))
    .map((r) => r.ref);
  const digestMismatches = images
    .filter((a) => {
      const digest = parseImageRef(a.ref).digest;
      return digest !== null && digest !== a.digest;
    })
    .map((a) => a.name);
  const baseImages = [...new Set(provenance.containerDependencies.map((d) => d.repository))].sort();
  const disallowedBaseImages = baseImages.filter((b) => !matchesAllowList(b, allowedBaseImages));

  const errors: string[] = [];
  if (unpinned.length)
    errors.push(`not pinned by digest (use <image>@sha256:<digest>): ${unpinned.join(', ')}`);
  if (disallowedRegistries.length) {
    const hint = allowedRegistries.length
      ? `allowed: ${allowedRegistries.join(', ')}`
      : 'policy.thirdParty.allowedRegistries is empty';
    errors.push(`from registries not on the allow-list (${hint}): ${disallowedRegistries.join(', ')}`);
  }
  if (digestMismatches.length)
    errors.push(`ref digest differs from the declared digest for: ${digestMismatches.join(', ')}`);
  if (disallowedBaseImages.length)
    errors.push(`base images not on policy.thirdParty.allowedBaseImages: ${disallowedBaseImages.join(', ')}`);
  return {
    images: refs,
    unpinned,
    disallowedRegistries,
    digestMismatches,
    baseImages,
    disallowedBaseImages,
    allPinned: unpinned.length === 0,
    allRegistriesAllowed: disallowedRegistries.length === 0,
    baseImagesAllowed: disallowedBaseImages.length === 0,
    errors,
  };
}
