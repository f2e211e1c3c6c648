/**
 * Reads a release manifest (YAML or JSON), reporting problems by position:
 * `release.yaml:7:15 artifacts[0].digest: must be sha256:<64 lowercase hex>`.
 */
import path from 'node:path';
import { Release } from '../domain/release.js';
import { FileProblemsError, readWithSchema } from './yaml-file.js';

/** A release manifest that cannot be read or does not validate. */
export { FileProblemsError as ReleaseFileError };

const isUrl = (p: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(p);

/**
 * Evidence paths in a manifest are relative to the manifest's folder. Workers run elsewhere, so
 * a promotion carries them as absolute paths.
 */
export function resolveEvidencePaths(release: Release, baseDir: string): Release {
  const abs = (p: string) => (isUrl(p) ? p : path.resolve(baseDir, p));
  const opt = (p: string | undefined) => (p === undefined ? undefined : abs(p));
  const evidence = release.evidence;
  return {
    ...release,
    evidence: {
      ...evidence,
      ...(evidence.provenance !== undefined ? { provenance: abs(evidence.provenance) } : {}),
      ...(evidence.sbom !== undefined ? { sbom: abs(evidence.sbom) } : {}),
      vulnerabilities: evidence.vulnerabilities.map(abs),
      deploymentManifests: evidence.deploymentManifests.map(abs),
    },
    ...(release.ai
      ? {
          ai: Object.fromEntries(
            Object.entries({
              ...release.ai,
              modelCard: opt(release.ai.modelCard),
              evaluations: opt(release.ai.evaluations),
              redTeam: opt(release.ai.redTeam),
              transparencyNotice: opt(release.ai.transparencyNotice),
            }).filter(([, v]) => v !== undefined),
          ) as NonNullable<Release['ai']>,
        }
      : {}),
  };
}

/**
 * Reads and validates a release manifest. With `resolvePaths`, evidence paths come back
 * absolute (what a promotion needs); without, as written (dry-runs resolve them themselves).
 */
export async function readReleaseFile(file: string, opts: { resolvePaths?: boolean } = {}): Promise<Release> {
  const release = await readWithSchema(file, Release, 'release manifest');
  return opts.resolvePaths ? resolveEvidencePaths(release, path.dirname(path.resolve(file))) : release;
}
