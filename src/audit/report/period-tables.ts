/** The period report as a document of titled tables, exceptions and the verdict first. */
import { periodOscal } from './oscal.js';
import { renderDocument, type ReportDocument, type ReportFormat } from './render.js';
import type { PeriodReport, PopulationEntry } from './period.js';
import type { Table } from './table.js';

const duration = (seconds: number | null): string => {
  if (seconds === null) return 'n/a (nothing to measure)';
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
};
const percent = (rate: number | null) =>
  rate === null ? 'n/a (no deployment)' : `${(rate * 100).toFixed(1)} %`;

const changeRow = (p: PopulationEntry): string[] => [
  p.promotionId,
  p.kind,
  `${p.app ?? '?'} ${p.version ?? '?'}`,
  p.requester ?? '?',
  p.startedAt,
  p.status,
  p.exceptions.join('; ') || 'none',
  `${p.verdict}${p.notMet.length ? ` (${p.notMet.join(', ')})` : ''}`,
];
const CHANGE_COLUMNS = [
  'change',
  'kind',
  'app version',
  'requester',
  'started',
  'status',
  'exceptions',
  'verdict',
];
const CHANGE_WIDTHS = [17, 8, 11, 8, 13, 8, 15, 20];

export function periodDocument(report: PeriodReport): ReportDocument {
  const { scope, dora } = report;
  const exceptions = report.population.filter((p) => p.exceptions.length);
  const byId = new Map(report.population.map((p) => [p.promotionId, p]));
  const tables: Table[] = [
    {
      title: `Exceptions (${exceptions.length} of ${report.population.length} changes)`,
      columns: CHANGE_COLUMNS,
      widths: CHANGE_WIDTHS,
      rows: exceptions.map(changeRow),
    },
    {
      title: 'Control coverage over the population',
      columns: ['source', 'question', 'status', 'detail', 'changes not met or partly met'],
      widths: [10, 18, 8, 46, 18],
      rows: report.coverage.map((c) => [
        c.source,
        c.question,
        c.status,
        c.detail,
        (c.related ?? []).join(' ') || 'none',
      ]),
    },
    {
      title: `DORA metrics (stage ${dora.stage})`,
      columns: ['metric', 'value', 'counted from'],
      widths: [25, 40, 35],
      rows: [
        [
          'deployment frequency',
          `${dora.deploymentsPerDay.toFixed(2)} per day (${dora.deployments} in ${dora.days.toFixed(1)} days)`,
          `deploy.completed at ${dora.stage}`,
        ],
        [
          'lead time for changes (median)',
          duration(dora.leadTimeMedianSeconds),
          `promotion.started → deploy.completed at ${dora.stage}`,
        ],
        [
          'change failure rate',
          `${percent(dora.changeFailureRate)} (${dora.failedDeployments} of ${dora.deployments})`,
          `deployments rolled back at ${dora.stage}`,
        ],
        [
          'time to restore (median)',
          duration(dora.timeToRestoreMedianSeconds),
          'failed deploy → rollback.completed',
        ],
        [
          'rework rate',
          `${percent(dora.reworkRate)} (${dora.reworkDeployments} of ${dora.deployments})`,
          'deployments right after a failed one of the same app',
        ],
      ],
    },
    {
      title: `Sample (${report.sample.length} of ${report.population.length}, seed ${scope.seed})`,
      columns: ['#', ...CHANGE_COLUMNS],
      widths: [3, ...CHANGE_WIDTHS.slice(0, -1), CHANGE_WIDTHS.at(-1)! - 3],
      rows: report.sample.map((id, i) => [String(i + 1), ...changeRow(byId.get(id)!)]),
    },
    {
      title: 'Remediation log: failed gates and their re-promotions',
      columns: ['change', 'app', 'stage', 'failed', 'fixed by'],
      rows: report.remediation.map((e) => [e.promotionId, e.app, e.stage, e.failed, e.fixedBy ?? 'not yet']),
    },
    {
      title: 'Restore drills in the period',
      columns: ['record', 'time', 'actor', 'result', 'backup of', 'restored into', 'verification'],
      rows: report.drills.map((d) => [
        d.citation,
        d.time,
        d.actor,
        d.result ?? '?',
        d.backupAt ?? '?',
        d.restoredInto ?? '?',
        d.verifyDetail,
      ]),
    },
    {
      title: 'Population: every other change',
      columns: CHANGE_COLUMNS,
      widths: CHANGE_WIDTHS,
      rows: report.population.filter((p) => !p.exceptions.length).map(changeRow),
    },
  ];
  return {
    title: `Changes ${scope.stage ? `to ${scope.stage} ` : ''}from ${scope.since} to ${scope.until}${scope.app ? ` (${scope.app})` : ''}: audit report`,
    verdict: report.verdict,
    preface: [
      `population: ${report.population.length} change(s), ${exceptions.length} with exceptions`,
      `sample: ${report.sample.length} drawn with seed ${scope.seed} (repeat with --seed ${scope.seed})`,
      'each change has its own report: tollgate audit report <change>',
    ],
    tables,
  };
}

export function renderPeriodReport(report: PeriodReport, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'oscal') return `${JSON.stringify(periodOscal(report), null, 2)}\n`;
  return renderDocument(periodDocument(report), format);
}
