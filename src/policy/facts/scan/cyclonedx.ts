/**
 * The `vulnerabilities` of a CycloneDX document (Trivy, Grype and cdxgen write them; a VEX is
 * one too): each affected component is a finding, unless the analysis says it is not exploitable.
 */
import { asArray, asString, isRecord } from '../evidence-file.js';
import { canonicalId, normalizeSeverity, worse, type RawFinding, type ReportResult } from './finding.js';

/** Analysis states that mean the component is not (or no longer) affected. */
const NOT_AFFECTED = new Set(['not_affected', 'false_positive', 'resolved', 'resolved_with_pedigree']);

export function readCycloneDxVulnerabilities(doc: Record<string, unknown>): ReportResult {
  if (!Array.isArray(doc.vulnerabilities))
    return {
      error:
        'a CycloneDX document without vulnerabilities is an SBOM, not a vulnerability report: attach it as evidence.sbom, or export the scan with its vulnerabilities',
    };
  const components = new Map<string, { name: string | null; version: string | null }>();
  const walk = (list: unknown): void =>
    asArray(list)
      .filter(isRecord)
      .forEach((c) => {
        const ref = asString(c['bom-ref']);
        if (ref)
          components.set(ref, { name: asString(c.name) ?? null, version: asString(c.version) ?? null });
        walk(c.components);
      });
  walk([...(isRecord(doc.metadata) ? [doc.metadata.component] : []), ...asArray(doc.components)]);

  const findings: RawFinding[] = [];
  for (const v of doc.vulnerabilities.filter(isRecord)) {
    const state = isRecord(v.analysis) ? asString(v.analysis.state) : undefined;
    if (state && NOT_AFFECTED.has(state)) continue;
    const ids = [
      asString(v.id),
      ...asArray(v.references)
        .filter(isRecord)
        .map((r) => asString(r.id)),
    ].filter((x): x is string => !!x);
    const severity = asArray(v.ratings)
      .filter(isRecord)
      .map((r) => normalizeSeverity(r.severity))
      .reduce(worse, 'unknown');
    const affects = asArray(v.affects).filter(isRecord);
    for (const affected of affects.length ? affects : [{}]) {
      const ref = asString(affected.ref);
      const component = ref ? components.get(ref) : undefined;
      findings.push({
        kind: 'vulnerability',
        ids: [...new Set((ids.length ? ids : ['unknown']).map(canonicalId))],
        package: component?.name ?? purlName(ref),
        version: component?.version ?? purlVersion(ref),
        location: null,
        severity,
        security: true,
      });
    }
  }
  return { format: 'cyclonedx', findings, scannedDependencies: true };
}

/** A bom-ref that is a package URL (`pkg:npm/%40scope/name@1.2.3`) names the package itself. */
function purlName(ref: string | undefined): string | null {
  const m = ref ? /^pkg:[^/]+\/(.+?)(?:@[^?#]*)?(?:[?#].*)?$/.exec(ref) : null;
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

function purlVersion(ref: string | undefined): string | null {
  const m = ref ? /^pkg:[^@]+@([^?#]+)/.exec(ref) : null;
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}
