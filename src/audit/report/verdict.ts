/**
 * The one-line answer at the top of a report. Not met when the evidence itself cannot be
 * trusted (a broken chain) or any question is not met; met with exceptions when a question is
 * only partly met; met otherwise. Not applicable rows neither help nor hurt, but are counted.
 */
import type { CoverageRow } from './rows/row.js';

export type VerdictStatus = 'met' | 'met with exceptions' | 'not met' | 'not applicable';

export interface Verdict {
  status: VerdictStatus;
  headline: string;
  /** Ids of the rows behind the verdict, worst first. */
  notMet: string[];
  partial: string[];
  notApplicable: string[];
}

export function summaryVerdict(
  rows: readonly CoverageRow[],
  integrity?: { ok: boolean; problems: string[] },
): Verdict {
  const by = (status: CoverageRow['status']) => rows.filter((r) => r.status === status);
  const notMet = by('not met');
  const partial = by('partial');
  const na = by('not applicable');
  const broken = integrity !== undefined && !integrity.ok;
  if (!broken && na.length === rows.length)
    return {
      status: 'not applicable',
      headline: 'NOT APPLICABLE: no question applies to what the evidence holds (no change in scope)',
      notMet: [],
      partial: [],
      notApplicable: na.map((r) => r.id),
    };
  const status: VerdictStatus =
    broken || notMet.length ? 'not met' : partial.length ? 'met with exceptions' : 'met';
  const applicable = rows.length - na.length;
  const parts = [
    ...(broken ? ['the evidence ledger FAILED verification'] : []),
    `${applicable - notMet.length - partial.length} of ${applicable} applicable questions met`,
    ...(notMet.length ? [`not met: ${notMet.map((r) => r.question.split(':')[0]).join('; ')}`] : []),
    ...(partial.length ? [`partly met: ${partial.map((r) => r.question.split(':')[0]).join('; ')}`] : []),
    `${na.length} not applicable`,
  ];
  return {
    status,
    headline: `${status.toUpperCase()}: ${parts.join('. ')}`,
    notMet: notMet.map((r) => r.id),
    partial: partial.map((r) => r.id),
    notApplicable: na.map((r) => r.id),
  };
}
