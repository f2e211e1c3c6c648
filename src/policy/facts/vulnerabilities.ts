/**
 * Findings from the scan reports a release attaches (SARIF 2.1.0 from any scanner, Trivy JSON,
 * Grype JSON, CycloneDX with vulnerabilities, Checkov JSON), split by what they are —
 * dependency vulnerabilities, code scanning results, infrastructure misconfigurations — and
 * correlated so each counts once however many scanners and formats report it (scan/*.ts).
 * Ignore-list entries apply to every alias of a finding and count apart until they expire.
 */
import type { VulnerabilityIgnore } from '../settings.js';
import type { FactContext } from './context.js';
import { isRecord, readEvidenceJson } from './evidence-file.js';
import { isCheckovReport, readCheckov } from './scan/checkov.js';
import { correlate, type CorrelatedFinding, type ReportedFinding } from './scan/correlate.js';
import { readCycloneDxVulnerabilities } from './scan/cyclonedx.js';
import {
  SEVERITIES,
  canonicalId,
  type FindingKind,
  type FindingSeverity,
  type ReportFormat,
  type ReportResult,
} from './scan/finding.js';
import { readGrype } from './scan/grype.js';
import { readSarif } from './scan/sarif.js';
import { readTrivy } from './scan/trivy.js';

type Counts = Record<FindingSeverity, number>;

export interface FindingGroup {
  counts: Counts;
  /**
   * Critical and high findings that count, sorted: what a reviewer has to look at. For
   * misconfigurations also those of unknown severity (Checkov without a platform key rates none).
   */
  blocking: CorrelatedFinding[];
}

export interface VulnerabilityFacts {
  /** At least one report is attached. */
  present: boolean;
  /** Every attached report was read. */
  parseable: boolean;
  /** A dependency vulnerability scan is among the reports (a misconfiguration scan alone is not one). */
  dependenciesScanned: boolean;
  reports: { file: string; format: ReportFormat; findings: number }[];
  /** Dependency vulnerabilities not ignored, one per vulnerability and package version, by severity. */
  counts: Counts;
  blocking: CorrelatedFinding[];
  /** Code scanning results of security rules; results of other rules are counted in `nonSecurity` only. */
  codeScanning: FindingGroup & { nonSecurity: number };
  misconfigurations: FindingGroup;
  /** Findings (of any kind) an unexpired ignore-list entry covers. */
  ignored: number;
  /** Ignore-list entries past their expiry that matched a finding: those findings count again. */
  expiredIgnores: string[];
  errors: string[];
}

/** How many blocking findings a fact error lists by name before summarising. */
const LISTED = 20;

export async function vulnerabilityFacts(ctx: FactContext): Promise<VulnerabilityFacts> {
  const files = ctx.release.evidence.vulnerabilities;
  const errors: string[] = [];
  const reports: VulnerabilityFacts['reports'] = [];
  const findings: ReportedFinding[] = [];
  let dependenciesScanned = false;
  if (files.length === 0)
    errors.push('evidence.vulnerabilities: the release attaches no vulnerability report');
  for (const [i, file] of files.entries()) {
    const field = `evidence.vulnerabilities[${i}]`;
    const json = await readEvidenceJson(ctx.evidence, field, file);
    if (!json.ok) {
      errors.push(json.error);
      continue;
    }
    const parsed = parseReport(json.value);
    if ('error' in parsed) {
      errors.push(`${field}: ${file}: ${parsed.error}`);
      continue;
    }
    reports.push({ file, format: parsed.format, findings: parsed.findings.length });
    findings.push(...parsed.findings.map((f) => ({ ...f, report: file })));
    dependenciesScanned ||= parsed.scannedDependencies;
  }
  if (reports.length > 0 && !dependenciesScanned)
    errors.push(
      'vulnerabilities.dependenciesScanned: none of the attached reports is a dependency vulnerability scan (e.g. `trivy image --format json`, `grype -o json`); code and misconfiguration scans do not replace one',
    );

  const expired = new Set<string>();
  let ignored = 0;
  const counted: CorrelatedFinding[] = [];
  for (const f of correlate(findings)) {
    const entries = ctx.settings.vulnerabilities.ignore.filter((e) => matches(e, f));
    if (entries.some((e) => !isExpired(e, ctx.time))) {
      ignored++;
      continue;
    }
    entries.forEach((e) => expired.add(e.id));
    counted.push(f);
  }
  const vulnerabilities = group(counted, 'vulnerability', HIGH);
  const code = group(
    counted.filter((f) => f.security),
    'code',
    HIGH,
  );
  const misconfigurations = group(counted, 'misconfiguration', [...HIGH, 'unknown']);
  errors.push(
    ...blockingErrors('vulnerabilities.counts', vulnerabilities),
    ...blockingErrors('vulnerabilities.codeScanning.counts', code),
    ...blockingErrors('vulnerabilities.misconfigurations.counts', misconfigurations),
  );
  return {
    present: files.length > 0,
    parseable: files.length > 0 && reports.length === files.length,
    dependenciesScanned,
    reports,
    ...vulnerabilities,
    codeScanning: {
      ...code,
      nonSecurity: counted.filter((f) => f.kind === 'code' && !f.security).length,
    },
    misconfigurations,
    ignored,
    expiredIgnores: [...expired].sort(),
    errors,
  };
}

const HIGH: FindingSeverity[] = ['critical', 'high'];

function group(findings: CorrelatedFinding[], kind: FindingKind, blocking: FindingSeverity[]): FindingGroup {
  const mine = findings.filter((f) => f.kind === kind);
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Counts;
  mine.forEach((f) => counts[f.severity]++);
  return {
    counts,
    blocking: mine
      .filter((f) => blocking.includes(f.severity))
      .sort(
        (a, b) =>
          a.id.localeCompare(b.id) ||
          (a.package ?? a.location ?? '').localeCompare(b.package ?? b.location ?? ''),
      ),
  };
}

/** Errors labelled by the count a rule reads, so a failing rule names the findings behind it. */
function blockingErrors(label: string, g: FindingGroup): string[] {
  return SEVERITIES.flatMap((severity) => {
    const list = g.blocking.filter((f) => f.severity === severity);
    if (!list.length) return [];
    const named = list.slice(0, LISTED).map(describe).join('; ');
    const more = list.length > LISTED ? `; and ${list.length - LISTED} more` : '';
    return [`${label}.${severity}: ${list.length} ${severity}: ${named}${more}`];
  });
}

function describe(f: CorrelatedFinding): string {
  const aka = f.aliases.length ? ` (${f.aliases.join(', ')})` : '';
  const where = f.package
    ? ` in ${f.package}${f.version ? `@${f.version}` : ''}`
    : f.location
      ? ` at ${f.location}`
      : '';
  return `${f.id}${aka}${where}, reported by ${f.reportedBy.join(', ')}`;
}

function matches(entry: VulnerabilityIgnore, f: CorrelatedFinding): boolean {
  const id = canonicalId(entry.id);
  if (f.id !== id && !f.aliases.includes(id)) return false;
  return (
    entry.package === undefined || entry.package === f.package || entry.package === f.location?.split(':')[0]
  );
}

function isExpired(entry: VulnerabilityIgnore, time: Date): boolean {
  return Date.parse(entry.expires) <= time.getTime();
}

function parseReport(doc: unknown): ReportResult {
  if (isCheckovReport(doc)) return readCheckov(doc);
  if (!isRecord(doc)) return { error: 'a scan report must be a JSON object' };
  if (typeof doc.version === 'string' && 'runs' in doc) return readSarif(doc);
  if ('SchemaVersion' in doc && 'ArtifactName' in doc) return readTrivy(doc);
  if ('matches' in doc && isRecord(doc.descriptor) && doc.descriptor.name === 'grype') return readGrype(doc);
  if (doc.bomFormat === 'CycloneDX') return readCycloneDxVulnerabilities(doc);
  return {
    error:
      'not a SARIF log (version, runs), Trivy JSON report (SchemaVersion, Results), Grype JSON report (matches, descriptor), CycloneDX with vulnerabilities or Checkov JSON report (check_type, results)',
  };
}
