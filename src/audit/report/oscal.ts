/**
 * The period report as OSCAL 1.0 assessment results (NIST's machine-readable format for an
 * assessment): one observation per change in the population and per restore drill, one
 * finding per guideline row, the finding linked to the observations of the changes it was not
 * met in. UUIDs are derived from the report's content (name-based, version 5 form), so the same
 * ledger, period and seed give the same document.
 */
import { createHash } from 'node:crypto';
import type { CoverageRow } from './rows/row.js';
import type { PeriodReport } from './period.js';

export const OSCAL_VERSION = '1.0.6';
const NS = 'https://tollgate.dev/ns/oscal';

function uuidFor(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const iso = (t: string) => new Date(t).toISOString();

function state(row: CoverageRow): {
  state: 'satisfied' | 'not-satisfied';
  reason: 'pass' | 'fail' | 'other';
} {
  if (row.status === 'met') return { state: 'satisfied', reason: 'pass' };
  if (row.status === 'not applicable') return { state: 'satisfied', reason: 'other' };
  return { state: 'not-satisfied', reason: 'fail' };
}

export function periodOscal(report: PeriodReport): Record<string, unknown> {
  const { scope } = report;
  const key = `${scope.since}|${scope.until}|${scope.app ?? ''}|${scope.stage ?? ''}|${scope.seed}`;
  const times = report.population.map((p) => p.startedAt).sort();
  const lastModified = iso(times.at(-1) ?? scope.since);
  const observationOf = new Map<string, string>();
  const observations = [
    ...report.population.map((p) => {
      const uuid = uuidFor(key, 'change', p.promotionId);
      observationOf.set(p.promotionId, uuid);
      return {
        uuid,
        title: `${p.kind} ${p.promotionId}`,
        description: `${p.app ?? '?'} ${p.version ?? '?'} requested by ${p.requester ?? '?'}: ${p.status}; exceptions: ${p.exceptions.join('; ') || 'none'}; verdict ${p.verdict}${p.notMet.length ? ` (not met: ${p.notMet.join(', ')})` : ''}`,
        props: [
          { name: 'change-status', ns: NS, value: p.status },
          { name: 'sampled', ns: NS, value: report.sample.includes(p.promotionId) ? 'yes' : 'no' },
        ],
        methods: ['EXAMINE'],
        types: ['control-objective'],
        'relevant-evidence': [
          {
            description: `evidence chain ${p.promotionId} in the Tollgate ledger (tollgate audit report ${p.promotionId}; tollgate audit verify ${p.promotionId})`,
          },
        ],
        collected: iso(p.startedAt),
      };
    }),
    ...report.drills.map((d) => {
      const uuid = uuidFor(key, 'drill', d.citation);
      observationOf.set(d.citation, uuid);
      return {
        uuid,
        title: `restore drill ${d.citation}`,
        description: `${d.result ?? '?'} by ${d.actor}: backup of ${d.backupAt ?? '?'} restored into ${d.restoredInto ?? '?'}, ${d.verifyDetail}`,
        methods: ['TEST'],
        'relevant-evidence': [{ description: `dr.drill record ${d.citation} in the Tollgate ledger` }],
        collected: iso(d.time),
      };
    }),
  ];
  const findings = report.coverage.map((row) => {
    const related = (row.related ?? []).map((id) => observationOf.get(id)).filter((u): u is string => !!u);
    return {
      uuid: uuidFor(key, 'finding', row.id),
      title: `${row.source}: ${row.question}`,
      description: row.detail,
      props: [{ name: 'tollgate-status', ns: NS, value: row.status }],
      target: {
        type: 'objective-id',
        'target-id': row.id,
        title: row.question,
        status: state(row),
        ...(row.status === 'not applicable'
          ? { remarks: 'Not applicable to any change in the period.' }
          : {}),
      },
      ...(related.length ? { 'related-observations': related.map((u) => ({ 'observation-uuid': u })) } : {}),
    };
  });
  return {
    'assessment-results': {
      uuid: uuidFor(key, 'assessment-results'),
      metadata: {
        title: `Tollgate: changes ${scope.stage ? `to ${scope.stage} ` : ''}from ${scope.since} to ${scope.until}${scope.app ? ` (${scope.app})` : ''}`,
        'last-modified': lastModified,
        version: `seed-${scope.seed}`,
        'oscal-version': OSCAL_VERSION,
        remarks: report.verdict.headline,
      },
      'import-ap': {
        href: '#ais-06-auditing-guidelines',
        remarks:
          'No separate assessment plan: the plan is the auditing guidelines of CSA AICM "Secure Application Deployment" (CCM AIS-06) and its addendum, one finding each.',
      },
      results: [
        {
          uuid: uuidFor(key, 'result'),
          title: `Change management ${scope.since} – ${scope.until}`,
          description: `${report.population.length} change(s), ${report.population.filter((p) => p.exceptions.length).length} with exceptions; sample of ${report.sample.length} drawn with seed ${scope.seed}. ${report.verdict.headline}`,
          start: iso(scope.since),
          end: iso(scope.until),
          'reviewed-controls': {
            description: 'CSA CCM v4 AIS-06 / CSA AICM Secure Application Deployment',
            'control-selections': [{ 'include-controls': [{ 'control-id': 'ais-06' }] }],
          },
          ...(observations.length ? { observations } : {}),
          ...(findings.length ? { findings } : {}),
        },
      ],
    },
  };
}
