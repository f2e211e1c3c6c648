/**
 * SARIF 2.1.0 from any scanner. Every result counts once per location it names (one rule can
 * hit a thousand places in one file), and is sorted into what it is: a dependency
 * vulnerability (Trivy, Grype, OSV-Scanner: tagged `vulnerability` or named by an advisory id),
 * an infrastructure misconfiguration (tagged `misconfiguration`/`iac`, or from an IaC scanner
 * such as Checkov) or a code scanning result (ESLint, CodeQL, Semgrep, …).
 */
import { asArray, asString, isRecord } from '../evidence-file.js';
import {
  canonicalId,
  normalizeSeverity,
  severityOfScore,
  type FindingKind,
  type FindingSeverity,
  type RawFinding,
  type ReportResult,
} from './finding.js';

const IAC_SCANNERS =
  /^(checkov|kics|tfsec|terrascan|kube-?linter|kubescape|kube-score|hadolint|trivy-config)$/i;
const VULN_PREFIX =
  /^(CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|GO-\d{4}-\d+|PYSEC-\d{4}-\d+|RUSTSEC-\d{4}-\d+)/i;

type Json = Record<string, unknown>;

export function readSarif(doc: Json): ReportResult {
  if (doc.version !== '2.1.0')
    return { error: `SARIF version ${String(doc.version)} is not supported (2.1.0 is)` };
  if (!Array.isArray(doc.runs)) return { error: 'SARIF runs must be an array' };
  const findings: RawFinding[] = [];
  let scannedDependencies = false;
  for (const [r, run] of doc.runs.entries()) {
    if (!isRecord(run) || (run.results !== undefined && !Array.isArray(run.results)))
      return { error: `SARIF runs[${r}].results must be an array` };
    const driver = isRecord(run.tool) && isRecord(run.tool.driver) ? run.tool.driver : {};
    const tool = asString(driver.name) ?? '';
    const rules = asArray(driver.rules).filter(isRecord);
    if (/^grype$/i.test(tool) || rules.some((rule) => tagsOf(rule).includes('vulnerability')))
      scannedDependencies = true;
    for (const result of asArray(run.results).filter(isRecord)) {
      const ruleIndex = typeof result.ruleIndex === 'number' ? result.ruleIndex : -1;
      const ruleId = asString(result.ruleId) ?? asString(rules[ruleIndex]?.id) ?? 'unknown-rule';
      const rule = rules[ruleIndex] ?? rules.find((x) => x.id === ruleId);
      const kind = kindOf(tool, ruleId, result, rule);
      if (kind === 'vulnerability') scannedDependencies = true;
      const { severity, security } = severityOf(result, rule);
      const base = { kind, severity, security: security || kind !== 'code' };
      if (kind === 'vulnerability') {
        const pkg = packageOf(result);
        const advisory = VULN_PREFIX.exec(ruleId)?.[1];
        findings.push({
          ...base,
          ids: [canonicalId(advisory ?? ruleId)],
          package: pkg.name,
          version: pkg.version,
          location: locationsOf(result)[0] ?? null,
        });
        continue;
      }
      const locations = locationsOf(result);
      for (const location of locations.length ? locations : [null])
        findings.push({ ...base, ids: [ruleId], package: null, version: null, location });
    }
  }
  return { format: 'sarif', findings, scannedDependencies };
}

function tagsOf(...holders: (Json | undefined)[]): string[] {
  return holders.flatMap((h) =>
    isRecord(h?.properties) ? asArray(h.properties.tags).map((t) => String(t).toLowerCase()) : [],
  );
}

function kindOf(tool: string, ruleId: string, result: Json, rule: Json | undefined): FindingKind {
  const tags = tagsOf(result, rule);
  if (tags.includes('vulnerability')) return 'vulnerability';
  if (tags.includes('misconfiguration') || tags.includes('iac') || IAC_SCANNERS.test(tool))
    return 'misconfiguration';
  if (VULN_PREFIX.test(ruleId) && packageOf(result).name !== null) return 'vulnerability';
  return 'code';
}

/**
 * GitHub's convention: `properties["security-severity"]` holds a CVSS score on the result or its
 * rule, and marks a security result. Without one the SARIF level stands in (error → high,
 * warning → medium, note → low) and the result is a security result only when tagged so.
 */
function severityOf(result: Json, rule: Json | undefined): { severity: FindingSeverity; security: boolean } {
  const score = [result.properties, rule?.properties]
    .map((p) => (isRecord(p) ? Number(p['security-severity']) : NaN))
    .find((n) => !Number.isNaN(n));
  if (score !== undefined) return { severity: severityOfScore(score), security: true };
  const defaultLevel = isRecord(rule?.defaultConfiguration)
    ? asString(rule.defaultConfiguration.level)
    : undefined;
  const level = asString(result.level) ?? defaultLevel ?? 'warning';
  const severity =
    level === 'error'
      ? 'high'
      : level === 'warning'
        ? 'medium'
        : level === 'note'
          ? 'low'
          : normalizeSeverity(level);
  return { severity, security: tagsOf(result, rule).includes('security') };
}

/** `uri:line:column` of every physical location (a location without a region is its file). */
function locationsOf(result: Json): string[] {
  return asArray(result.locations)
    .filter(isRecord)
    .flatMap((loc) => {
      const physical = isRecord(loc.physicalLocation) ? loc.physicalLocation : undefined;
      const artifact = isRecord(physical?.artifactLocation) ? physical.artifactLocation : undefined;
      const uri = asString(artifact?.uri);
      if (!uri) return [];
      const region = isRecord(physical?.region) ? physical.region : {};
      const line = typeof region.startLine === 'number' ? `:${region.startLine}` : '';
      const column = line && typeof region.startColumn === 'number' ? `:${region.startColumn}` : '';
      return [`${uri}${line}${column}`];
    });
}

/**
 * The package a vulnerability result is about. SARIF has no field for it: Trivy writes
 * `Package: <name>\nInstalled Version: <version>`, Grype `… package: <name>, version <version> …`.
 */
function packageOf(result: Json): { name: string | null; version: string | null } {
  const text = isRecord(result.message) ? (asString(result.message.text) ?? '') : '';
  const trivy = /Package: (\S+)\s*\n\s*Installed Version: (\S+)/.exec(text);
  if (trivy) return { name: trivy[1]!, version: trivy[2]! };
  const grype = /package: (\S+?), version (\S+?)(?:\s|$)/.exec(text);
  if (grype) return { name: grype[1]!, version: grype[2]! };
  return { name: null, version: null };
}
