/**
 * One finding as a scanner reported it, before findings of several reports are correlated.
 * Scanners report three different things, and each has its own rules: dependency
 * vulnerabilities (a package version with a CVE/GHSA), code scanning results (a rule hit at a
 * place in the source) and infrastructure misconfigurations (a check failed by a manifest).
 */

export type FindingKind = 'vulnerability' | 'code' | 'misconfiguration';
export type FindingSeverity = 'critical' | 'high' | 'medium' | 'low' | 'unknown';
export const SEVERITIES: FindingSeverity[] = ['critical', 'high', 'medium', 'low', 'unknown'];

export interface RawFinding {
  kind: FindingKind;
  /** The scanner's id first, then every alias it gives (CVE, GHSA, related ids, AVD ids). */
  ids: string[];
  /** Vulnerabilities: the affected package; otherwise null. */
  package: string | null;
  version: string | null;
  /** Code and misconfigurations: `file:line:column` of the hit (or the file alone). */
  location: string | null;
  severity: FindingSeverity;
  /** Code scanning: the rule is a security rule (a security-severity or a `security` tag). */
  security: boolean;
}

export type ReportFormat = 'sarif' | 'trivy' | 'grype' | 'cyclonedx' | 'checkov';

export interface ParsedReport {
  format: ReportFormat;
  findings: RawFinding[];
  /** The report comes from a dependency vulnerability scan (even one that found nothing). */
  scannedDependencies: boolean;
}

export type ReportResult = ParsedReport | { error: string };

/** Trivy says CRITICAL/HIGH/…, Grype Critical/…/Negligible, Checkov and CycloneDX lower case. */
export function normalizeSeverity(value: unknown): FindingSeverity {
  const s = typeof value === 'string' ? value.toLowerCase() : '';
  if (s === 'negligible' || s === 'info' || s === 'informational') return 'low';
  return (SEVERITIES as string[]).includes(s) ? (s as FindingSeverity) : 'unknown';
}

/** CVSS base score bands (as GitHub code scanning maps `security-severity`). */
export function severityOfScore(score: number): FindingSeverity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'unknown';
}

export function worse(a: FindingSeverity, b: FindingSeverity): FindingSeverity {
  return SEVERITIES.indexOf(a) <= SEVERITIES.indexOf(b) ? a : b;
}

const VULN_ID =
  /^(?:CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|GO-\d{4}-\d+|PYSEC-\d{4}-\d+|RUSTSEC-\d{4}-\d+|OSV-\d{4}-\d+)$/i;

export function isVulnerabilityId(id: string): boolean {
  return VULN_ID.test(id);
}

/**
 * Advisory ids a reference URL names as its own subject (NVD, GitHub advisories, MITRE):
 * `https://github.com/advisories/GHSA-…` is an alias, a page merely mentioning an id is not.
 */
export function idFromReference(url: string): string | undefined {
  const m =
    /^https?:\/\/(?:github\.com\/(?:advisories|[^/]+\/[^/]+\/security\/advisories)|nvd\.nist\.gov\/vuln\/detail|osv\.dev\/vulnerability|www\.cve\.org\/CVERecord\?id=|cve\.mitre\.org\/cgi-bin\/cvename\.cgi\?name=)\/?([A-Za-z0-9-]+)\/?$/.exec(
      url,
    );
  const id = m?.[1];
  return id && isVulnerabilityId(id) ? canonicalId(id) : undefined;
}

/**
 * Advisory ids are case-insensitive: GHSA ids are written lower case after the prefix, the
 * others upper case. Other ids (rule and check ids) are kept as written.
 */
export function canonicalId(id: string): string {
  if (!isVulnerabilityId(id)) return id;
  if (/^ghsa-/i.test(id)) return `GHSA-${id.slice(5).toLowerCase()}`;
  return id.toUpperCase();
}
