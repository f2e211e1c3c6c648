/**
 * `tollgate promote`'s evidence upload: each evidence file the release names is stored in the
 * ledger's blob store under its sha256, and the release carries those digests
 * (`evidence.digests`), so the release digest covers the evidence bytes and workers on any
 * machine read them by digest instead of from this machine's disk.
 */
import { open } from 'node:fs/promises';
import type { TollgateConfig } from '../../config/schema.js';
import type { Release } from '../../domain/release.js';
import { openBlobStore } from '../../ledger/blob-store-create.js';

const isUrl = (p: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(p);

/** Every evidence file of a release, as the release names it (URLs are references, not files). */
export function evidenceFiles(release: Release): string[] {
  const e = release.evidence;
  const ai = release.ai;
  const all = [
    e.provenance,
    e.sbom,
    ...e.vulnerabilities,
    ...e.deploymentManifests,
    ai?.modelCard,
    ai?.evaluations,
    ai?.redTeam,
    ai?.transparencyNotice,
  ];
  return [...new Set(all.filter((p): p is string => p !== undefined && !isUrl(p)))];
}

/**
 * Stores the evidence and returns the release with `evidence.digests`. A file that is missing or
 * over `policy.evidence.maxFileBytes` is left out: the policy gate then fails the rules that
 * need it, saying so, as it would for a missing file.
 */
export async function storeEvidence(config: TollgateConfig, release: Release): Promise<Release> {
  const blobs = await openBlobStore(config.ledger);
  const digests: Record<string, string> = {};
  try {
    for (const file of evidenceFiles(release)) {
      const content = await readBounded(file, config.policy.evidence.maxFileBytes);
      if (content) digests[file] = await blobs.put(content);
    }
  } finally {
    await blobs.close();
  }
  return { ...release, evidence: { ...release.evidence, digests } };
}

async function readBounded(file: string, maxBytes: number): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
