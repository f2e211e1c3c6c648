/** SBOM: present and parseable as CycloneDX JSON or SPDX JSON; component count and licenses. */
import type { FactContext } from './context.js';
import { asArray, asString, isRecord, readEvidenceJson } from './evidence-file.js';

export interface SbomFacts {
  present: boolean;
  parseable: boolean;
  format: 'cyclonedx' | 'spdx' | null;
  specVersion: string | null;
  componentCount: number;
  /** Distinct license ids/expressions across components, sorted. */
  licenses: string[];
  componentsWithoutLicense: number;
  /** Licenses from policy.sbom.deniedLicenses found among the components. */
  deniedLicenses: string[];
  errors: string[];
}

interface Component {
  licenses: string[];
}

export async function sbomFacts(ctx: FactContext): Promise<SbomFacts> {
  const none: SbomFacts = {
    present: false,
    parseable: false,
    format: null,
    specVersion: null,
    componentCount: 0,
    licenses: [],
    componentsWithoutLicense: 0,
    deniedLicenses: [],
    errors: [],
  };
  const file = ctx.release.evidence.sbom;
  if (!file) return { ...none, errors: ['evidence.sbom: the release attaches no SBOM'] };
  const json = await readEvidenceJson(ctx.evidence, 'evidence.sbom', file);
  if (!json.ok) return { ...none, present: true, errors: [json.error] };
  const doc = json.value;
  const parsed =
    isRecord(doc) && doc.bomFormat === 'CycloneDX'
      ? cycloneDx(doc)
      : isRecord(doc) && typeof doc.spdxVersion === 'string'
        ? spdx(doc)
        : undefined;
  if (!parsed) {
    return {
      ...none,
      present: true,
      errors: [
        `evidence.sbom: ${file}: neither CycloneDX JSON (bomFormat: "CycloneDX") nor SPDX JSON (spdxVersion)`,
      ],
    };
  }
  if ('error' in parsed)
    return { ...none, present: true, errors: [`evidence.sbom: ${file}: ${parsed.error}`] };
  const licenses = [...new Set(parsed.components.flatMap((c) => c.licenses))].sort();
  const denied = new Set(ctx.settings.sbom.deniedLicenses);
  return {
    present: true,
    parseable: true,
    format: parsed.format,
    specVersion: parsed.specVersion,
    componentCount: parsed.components.length,
    licenses,
    componentsWithoutLicense: parsed.components.filter((c) => c.licenses.length === 0).length,
    deniedLicenses: licenses.filter(
      (l) => denied.has(l) || l.split(/\s+(?:AND|OR|WITH)\s+|[()]/).some((part) => denied.has(part.trim())),
    ),
    errors: [],
  };
}

type Parsed =
  { format: 'cyclonedx' | 'spdx'; specVersion: string; components: Component[] } | { error: string };

function cycloneDx(doc: Record<string, unknown>): Parsed {
  const specVersion = asString(doc.specVersion);
  if (!specVersion) return { error: 'CycloneDX document without specVersion' };
  if (doc.components !== undefined && !Array.isArray(doc.components))
    return { error: 'CycloneDX components must be an array' };
  const components: Component[] = [];
  const walk = (list: unknown): void =>
    asArray(list).forEach((c) => {
      if (!isRecord(c)) return;
      components.push({ licenses: cycloneDxLicenses(c.licenses) });
      walk(c.components);
    });
  walk(doc.components);
  return { format: 'cyclonedx', specVersion, components };
}

function cycloneDxLicenses(licenses: unknown): string[] {
  return asArray(licenses).flatMap((entry) => {
    if (!isRecord(entry)) return [];
    const expression = asString(entry.expression);
    if (expression) return [expression];
    const license = isRecord(entry.license) ? entry.license : undefined;
    const id = asString(license?.id) ?? asString(license?.name);
    return id ? [id] : [];
  });
}

const SPDX_NO_LICENSE = new Set(['NOASSERTION', 'NONE', '']);

function spdx(doc: Record<string, unknown>): Parsed {
  if (doc.packages !== undefined && !Array.isArray(doc.packages))
    return { error: 'SPDX packages must be an array' };
  const described = describedElements(doc);
  // The package the document describes is the product itself, not one of its components.
  const components = asArray(doc.packages)
    .filter((p): p is Record<string, unknown> => isRecord(p) && !described.has(asString(p.SPDXID) ?? ''))
    .map((p) => {
      const license = [asString(p.licenseConcluded), asString(p.licenseDeclared)].find(
        (l) => l !== undefined && !SPDX_NO_LICENSE.has(l),
      );
      return { licenses: license ? [license] : [] };
    });
  return { format: 'spdx', specVersion: asString(doc.spdxVersion) ?? '', components };
}

/**
 * What an SPDX document describes: `documentDescribes` (SPDX 2.2 and npm) and the DESCRIBES /
 * DESCRIBED_BY relationships of the document (SPDX 2.3, syft, Trivy).
 */
function describedElements(doc: Record<string, unknown>): Set<string> {
  const documentId = asString(doc.SPDXID) ?? 'SPDXRef-DOCUMENT';
  const described = new Set(asArray(doc.documentDescribes).filter((x): x is string => typeof x === 'string'));
  for (const r of asArray(doc.relationships).filter(isRecord)) {
    const from = asString(r.spdxElementId);
    const to = asString(r.relatedSpdxElement);
    if (r.relationshipType === 'DESCRIBES' && from === documentId && to) described.add(to);
    if (r.relationshipType === 'DESCRIBED_BY' && to === documentId && from) described.add(from);
  }
  return described;
}
