/** Grype's JSON report: each match with its related vulnerabilities (the CVE behind a GHSA) as aliases. */
import { asArray, asString, isRecord } from '../evidence-file.js';
import { canonicalId, normalizeSeverity, type RawFinding, type ReportResult } from './finding.js';

export function readGrype(doc: Record<string, unknown>): ReportResult {
  if (!Array.isArray(doc.matches)) return { error: 'Grype matches must be an array' };
  const findings = doc.matches.filter(isRecord).map((m): RawFinding => {
    const vuln = isRecord(m.vulnerability) ? m.vulnerability : {};
    const artifact = isRecord(m.artifact) ? m.artifact : {};
    const related = asArray(m.relatedVulnerabilities)
      .filter(isRecord)
      .flatMap((r) => asString(r.id) ?? []);
    const location = asArray(artifact.locations).filter(isRecord)[0];
    return {
      kind: 'vulnerability',
      ids: [...new Set([asString(vuln.id) ?? 'unknown', ...related].map(canonicalId))],
      package: asString(artifact.name) ?? null,
      version: asString(artifact.version) ?? null,
      location: asString(location?.path) ?? null,
      severity: normalizeSeverity(vuln.severity),
      security: true,
    };
  });
  return { format: 'grype', findings, scannedDependencies: true };
}
