/**
 * One finding per vulnerability: findings from several scanners and formats are the same when
 * they share an identifier or alias (a CVE and the GHSA that names it) for the same package and
 * version (a report that does not say the version matches any). Code and misconfiguration
 * findings are the same when they share a rule or check id at the same place.
 */
import { worse, type FindingKind, type FindingSeverity, type RawFinding } from './finding.js';

export interface CorrelatedFinding {
  kind: FindingKind;
  /** The CVE when there is one, else the first advisory or rule id. */
  id: string;
  /** Every other id the reports gave for it, sorted. */
  aliases: string[];
  package: string | null;
  version: string | null;
  location: string | null;
  severity: FindingSeverity;
  security: boolean;
  /** The report files that reported it. */
  reportedBy: string[];
}

export type ReportedFinding = RawFinding & { report: string };

export function correlate(findings: ReportedFinding[]): CorrelatedFinding[] {
  const parent = findings.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const bySubject = new Map<string, number[]>();
  findings.forEach((f, i) => {
    for (const id of f.ids) {
      const key = `${f.kind}\u0000${id}\u0000${subjectOf(f)}`;
      const seen = bySubject.get(key) ?? [];
      for (const j of seen) if (versionsMatch(f, findings[j]!)) parent[find(i)] = find(j);
      seen.push(i);
      bySubject.set(key, seen);
    }
  });
  const groups = new Map<number, ReportedFinding[]>();
  findings.forEach((f, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), f]));
  return [...groups.values()].map(merge);
}

/** What a finding is about: the package for a vulnerability, the place (file and line) otherwise. */
function subjectOf(f: RawFinding): string {
  if (f.kind === 'vulnerability') return f.package ?? '';
  // A misconfiguration is found per line, and formats of one scanner differ in the column
  // (Trivy's JSON has none, its SARIF says 1); code results on one line differ by column.
  if (f.kind === 'misconfiguration') return (f.location ?? '').replace(/^(.*:\d+):\d+$/, '$1');
  return f.location ?? '';
}

function versionsMatch(a: RawFinding, b: RawFinding): boolean {
  return a.version === null || b.version === null || a.version === b.version;
}

function merge(group: ReportedFinding[]): CorrelatedFinding {
  const ids = [...new Set(group.flatMap((f) => f.ids))];
  const id = ids.find((x) => x.startsWith('CVE-')) ?? group[0]!.ids[0]!;
  const first = group[0]!;
  return {
    kind: first.kind,
    id,
    aliases: ids.filter((x) => x !== id).sort(),
    package: first.package ?? group.find((f) => f.package)?.package ?? null,
    version: group.find((f) => f.version)?.version ?? null,
    location: group.find((f) => f.location)?.location ?? null,
    severity: group.map((f) => f.severity).reduce(worse),
    security: group.some((f) => f.security),
    reportedBy: [...new Set(group.map((f) => f.report))].sort(),
  };
}
