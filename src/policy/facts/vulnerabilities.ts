/**
 * Vulnerabilities from the reports a release attaches: SARIF 2.1.0 (any scanner), Trivy JSON
 * and Grype JSON. Findings on the ignore-list are counted apart until their entry expires.
 */
import type { VulnerabilityIgnore } from '../settings.js';
import type { FactContext } from './context.js';
import { asArray, asString, isRecord, readEvidenceJson } from './evidence-file.js';

type FindingSeverity = 'critical' | 'high' | 'medium' | 'low' | 'unknown';

interface Finding {
  id: string;
  package: string | null;
  severity: FindingSeverity;
}

export interface VulnerabilityFacts {
  /** At least one report is attached. */
  present: boolean;
  /** Every attached report was read. */
  parseable: boolean;
  reports: { file: string; format: 'sarif' | 'trivy' | 'grype'; findings: number }[];
  /** Findings not ignored, by severity. */
  counts: Record<FindingSeverity, number>;
  ignored: number;
  /** Ignore-list entries past their expiry that matched a finding: those findings count again. */
  expiredIgnores: string[];
  /** Critical and high findings that count, sorted: what a reviewer has to look at. */
  blocking: Finding[];
  errors: string[];
}

const SEVERITIES: FindingSeverity[] = ['critical', 'high', 'medium', 'low', 'unknown'];

export async function vulnerabilityFacts(ctx: FactContext): Promise<VulnerabilityFacts> {
  const files = ctx.release.evidence.vulnerabilities;
  const errors: string[] = [];
  const reports: VulnerabilityFacts['reports'] = [];
  const findings: Finding[] = [];
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
    findings.push(...parsed.findings);
  }

  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<FindingSeverity, number>;
  const expired = new Set<string>();
  const counted: Finding[] = [];
  let ignored = 0;
  for (const f of dedupe(findings)) {
    const entries = ctx.settings.vulnerabilities.ignore.filter((e) => matches(e, f));
    if (entries.some((e) => !isExpired(e, ctx.time))) {
      ignored++;
      continue;
    }
    entries.forEach((e) => expired.add(e.id));
    counts[f.severity]++;
    counted.push(f);
  }
  return {
    present: files.length > 0,
    parseable: files.length > 0 && reports.length === files.length,
    reports,
    counts,
    ignored,
    expiredIgnores: [...expired].sort(),
    blocking: counted
      .filter((f) => f.severity === 'critical' || f.severity === 'high')
      .sort((a, b) => a.id.localeCompare(b.id) || (a.package ?? '').localeCompare(b.package ?? '')),
    errors,
  };
}

function matches(entry: VulnerabilityIgnore, f: Finding): boolean {
  return entry.id === f.id && (entry.package === undefined || entry.package === f.package);
}

function isExpired(entry: VulnerabilityIgnore, time: Date): boolean {
  return Date.parse(entry.expires) <= time.getTime();
}

/** Two scanners reporting the same CVE in the same package count once, at the worse severity. */
function dedupe(findings: Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const f of findings) {
    const key = `${f.id}\u0000${f.package ?? ''}`;
    const seen = byKey.get(key);
    if (!seen || SEVERITIES.indexOf(f.severity) < SEVERITIES.indexOf(seen.severity)) byKey.set(key, f);
  }
  return [...byKey.values()];
}

type Parsed = { format: 'sarif' | 'trivy' | 'grype'; findings: Finding[] } | { error: string };

function parseReport(doc: unknown): Parsed {
  if (!isRecord(doc)) return { error: 'a vulnerability report must be a JSON object' };
  if (typeof doc.version === 'string' && 'runs' in doc) return sarif(doc);
  if ('SchemaVersion' in doc && 'ArtifactName' in doc) return trivy(doc);
  if ('matches' in doc && isRecord(doc.descriptor) && doc.descriptor.name === 'grype') return grype(doc);
  return {
    error:
      'not a SARIF log (version, runs), Trivy JSON report (SchemaVersion, Results) or Grype JSON report (matches, descriptor)',
  };
}

function sarif(doc: Record<string, unknown>): Parsed {
  if (doc.version !== '2.1.0')
    return { error: `SARIF version ${String(doc.version)} is not supported (2.1.0 is)` };
  if (!Array.isArray(doc.runs)) return { error: 'SARIF runs must be an array' };
  const findings: Finding[] = [];
  for (const [r, run] of doc.runs.entries()) {
    if (!isRecord(run) || (run.results !== undefined && !Array.isArray(run.results)))
      return { error: `SARIF runs[${r}].results must be an array` };
    const driver = isRecord(run.tool) && isRecord(run.tool.driver) ? run.tool.driver : {};
    const rules = asArray(driver.rules).filter(isRecord);
    for (const result of asArray(run.results).filter(isRecord)) {
      const ruleIndex = typeof result.ruleIndex === 'number' ? result.ruleIndex : -1;
      const id = asString(result.ruleId) ?? asString(rules[ruleIndex]?.id) ?? 'unknown-rule';
      const rule = rules[ruleIndex] ?? rules.find((x) => x.id === id);
      findings.push({ id, package: sarifLocation(result), severity: sarifSeverity(result, rule) });
    }
  }
  return { format: 'sarif', findings };
}

/**
 * GitHub's convention: `properties["security-severity"]` holds a CVSS score on the result or
 * its rule; without one the SARIF level stands in (error → high, warning → medium, note → low).
 */
function sarifSeverity(
  result: Record<string, unknown>,
  rule: Record<string, unknown> | undefined,
): FindingSeverity {
  const score = [result.properties, rule?.properties]
    .map((p) => (isRecord(p) ? Number(p['security-severity']) : NaN))
    .find((n) => !Number.isNaN(n));
  if (score !== undefined)
    return score >= 9
      ? 'critical'
      : score >= 7
        ? 'high'
        : score >= 4
          ? 'medium'
          : score > 0
            ? 'low'
            : 'unknown';
  const defaultLevel = isRecord(rule?.defaultConfiguration)
    ? asString(rule.defaultConfiguration.level)
    : undefined;
  const level = asString(result.level) ?? defaultLevel ?? 'warning';
  return level === 'error' ? 'high' : level === 'warning' ? 'medium' : level === 'note' ? 'low' : 'unknown';
}

function sarifLocation(result: Record<string, unknown>): string | null {
  const loc = asArray(result.locations).find(isRecord);
  const physical = isRecord(loc?.physicalLocation) ? loc.physicalLocation : undefined;
  const artifact = isRecord(physical?.artifactLocation) ? physical.artifactLocation : undefined;
  return asString(artifact?.uri) ?? null;
}

function trivy(doc: Record<string, unknown>): Parsed {
  if (doc.SchemaVersion !== 2)
    return { error: `Trivy SchemaVersion ${String(doc.SchemaVersion)} is not supported (2 is)` };
  if (doc.Results !== undefined && !Array.isArray(doc.Results))
    return { error: 'Trivy Results must be an array' };
  const findings = asArray(doc.Results)
    .filter(isRecord)
    .flatMap((result) =>
      asArray(result.Vulnerabilities)
        .filter(isRecord)
        .map((v) => ({
          id: asString(v.VulnerabilityID) ?? 'unknown',
          package: asString(v.PkgName) ?? null,
          severity: normalizeSeverity(v.Severity),
        })),
    );
  return { format: 'trivy', findings };
}

function grype(doc: Record<string, unknown>): Parsed {
  if (!Array.isArray(doc.matches)) return { error: 'Grype matches must be an array' };
  const findings = doc.matches.filter(isRecord).map((m) => {
    const vuln = isRecord(m.vulnerability) ? m.vulnerability : {};
    const artifact = isRecord(m.artifact) ? m.artifact : {};
    return {
      id: asString(vuln.id) ?? 'unknown',
      package: asString(artifact.name) ?? null,
      severity: normalizeSeverity(vuln.severity),
    };
  });
  return { format: 'grype', findings };
}

/** Trivy says CRITICAL/HIGH/MEDIUM/LOW/UNKNOWN, Grype Critical/High/Medium/Low/Negligible/Unknown. */
function normalizeSeverity(value: unknown): FindingSeverity {
  const s = typeof value === 'string' ? value.toLowerCase() : '';
  if (s === 'negligible') return 'low';
  return (SEVERITIES as string[]).includes(s) ? (s as FindingSeverity) : 'unknown';
}
