/**
 * Checkov's JSON output (`checkov -o json`): one object per framework, or a list of them. Failed
 * checks are misconfigurations; Checkov without a platform key reports no severity (unknown).
 */
import { asArray, asString, isRecord } from '../evidence-file.js';
import { normalizeSeverity, type RawFinding, type ReportResult } from './finding.js';

export function isCheckovReport(doc: unknown): boolean {
  const first: unknown = Array.isArray(doc) ? doc[0] : doc;
  return isRecord(first) && typeof first.check_type === 'string' && isRecord(first.results);
}

export function readCheckov(doc: unknown): ReportResult {
  const runs = Array.isArray(doc) ? doc : [doc];
  const findings: RawFinding[] = [];
  for (const [i, run] of runs.entries()) {
    if (!isRecord(run) || !isRecord(run.results))
      return { error: `Checkov report ${i + 1}: results must be an object with failed_checks` };
    for (const check of asArray(run.results.failed_checks).filter(isRecord)) {
      const file = (asString(check.repo_file_path) ?? asString(check.file_path) ?? '').replace(/^\//, '');
      const range = asArray(check.file_line_range);
      const line = typeof range[0] === 'number' && range[0] > 0 ? `:${range[0]}` : '';
      const ids = [asString(check.check_id), asString(check.bc_check_id)].filter((x): x is string => !!x);
      findings.push({
        kind: 'misconfiguration',
        ids: ids.length ? [...new Set(ids)] : ['unknown-check'],
        package: null,
        version: null,
        location: file ? `${file}${line}` : null,
        severity: normalizeSeverity(check.severity),
        security: true,
      });
    }
  }
  return { format: 'checkov', findings, scannedDependencies: false };
}
