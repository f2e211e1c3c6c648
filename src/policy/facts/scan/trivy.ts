/**
 * Trivy's JSON report (SchemaVersion 2): dependency vulnerabilities with the advisory ids its
 * references name as aliases, and misconfigurations (failed checks only) as what they are.
 */
import { asArray, asString, isRecord } from '../evidence-file.js';
import {
  canonicalId,
  idFromReference,
  isVulnerabilityId,
  normalizeSeverity,
  type RawFinding,
  type ReportResult,
} from './finding.js';

const PACKAGE_CLASSES = new Set(['os-pkgs', 'lang-pkgs']);

export function readTrivy(doc: Record<string, unknown>): ReportResult {
  if (doc.SchemaVersion !== 2)
    return { error: `Trivy SchemaVersion ${String(doc.SchemaVersion)} is not supported (2 is)` };
  if (doc.Results !== undefined && !Array.isArray(doc.Results))
    return { error: 'Trivy Results must be an array' };
  const findings: RawFinding[] = [];
  let scannedDependencies = false;
  for (const result of asArray(doc.Results).filter(isRecord)) {
    const target = asString(result.Target) ?? null;
    if (PACKAGE_CLASSES.has(asString(result.Class) ?? '') || Array.isArray(result.Vulnerabilities))
      scannedDependencies = true;
    for (const v of asArray(result.Vulnerabilities).filter(isRecord)) {
      const id = asString(v.VulnerabilityID) ?? 'unknown';
      const aliases = [
        ...asArray(v.VendorIDs).map(String).filter(isVulnerabilityId),
        ...asArray(v.References).flatMap((u) => idFromReference(String(u)) ?? []),
      ];
      findings.push({
        kind: 'vulnerability',
        ids: [...new Set([id, ...aliases].map(canonicalId))],
        package: asString(v.PkgName) ?? null,
        version: asString(v.InstalledVersion) ?? null,
        location: target,
        severity: normalizeSeverity(v.Severity),
        security: true,
      });
    }
    for (const m of asArray(result.Misconfigurations).filter(isRecord)) {
      if (m.Status !== undefined && m.Status !== 'FAIL') continue;
      const cause = isRecord(m.CauseMetadata) ? m.CauseMetadata : {};
      const line = typeof cause.StartLine === 'number' && cause.StartLine > 0 ? `:${cause.StartLine}` : '';
      const ids = [asString(m.ID), asString(m.AVDID)].filter((x): x is string => !!x);
      findings.push({
        kind: 'misconfiguration',
        ids: ids.length ? [...new Set(ids)] : ['unknown-check'],
        package: null,
        version: null,
        location: target ? `${target}${line}` : null,
        severity: normalizeSeverity(m.Severity),
        security: true,
      });
    }
  }
  return { format: 'trivy', findings, scannedDependencies };
}
