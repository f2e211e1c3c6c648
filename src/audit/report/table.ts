/** The report as titled tables of text cells: what the Markdown, HTML and CSV renderers share. */
import type { CanaryRow, PromotionReport } from './model.js';

export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
  /** Column widths in percent for HTML, so the text-heavy columns get the room. */
  widths?: number[];
}

const cell = (v: string | number | string[] | null | undefined): string =>
  v === undefined || v === null ? '' : Array.isArray(v) ? v.join(', ') : String(v);
const yesNo = (b: boolean) => (b ? 'yes' : 'NO');

export function reportTables(report: PromotionReport): Table[] {
  const p = report.promotion;
  const tables: Table[] = [
    {
      title: 'Control coverage',
      columns: ['source', 'question', 'status', 'detail', 'evidence records'],
      widths: [10, 20, 8, 50, 12],
      rows: report.coverage.map((c) => [
        c.source,
        c.question,
        c.status,
        c.detail,
        [...c.evidence.map((s) => `#${s}`), ...(c.related ?? [])].join(' ') || 'no evidence',
      ]),
    },
    {
      title: 'Promotion',
      columns: ['field', 'value'],
      rows: [
        ['promotion', p.promotionId],
        ['app', cell(p.app)],
        ['version', cell(p.version)],
        [
          'pipeline',
          `${cell(p.pipeline)} (${p.stages.join(' → ')}), digest ${report.pipeline.digest ?? 'not recorded'}`,
        ],
        ['requester', cell(p.requester)],
        ['release digest', cell(report.releaseDigest)],
        ['status', p.status],
        ['outcome', cell(p.outcome)],
        ['started', p.startedAt],
        ['ended', cell(p.endedAt)],
        ['evidence records', String(p.records)],
        ['sealed', yesNo(p.sealed)],
        ...(report.integrity
          ? [
              [
                'ledger integrity',
                report.integrity.ok
                  ? `verified (seal ${report.integrity.seal})`
                  : `FAILED: ${report.integrity.problems.join('; ')}`,
              ],
            ]
          : []),
      ],
    },
    {
      title: 'Pipeline in force',
      columns: ['stage', 'entered', 'policy packs', 'approval rule', 'canary', 'change windows', 'records'],
      widths: [9, 6, 27, 20, 18, 12, 8],
      rows: [
        ...report.pipeline.stages.map((s) => [
          s.name,
          yesNo(s.entered),
          cell(s.policyPacks) || 'none',
          s.approval ?? 'none recorded',
          s.canary ?? 'none recorded',
          s.windows ?? 'none recorded',
          s.evidence.map((n) => `#${n}`).join(' '),
        ]),
        ...report.pipeline.gaps.map((g) => ['(not recorded)', '', g, '', '', '', '']),
      ],
    },
    {
      title: 'Approvals',
      columns: [
        'record',
        'stage',
        'time',
        'approver',
        'decision',
        'channel',
        'groups',
        'verified by',
        'release digest seen',
        'policy result seen',
        'matches promotion',
        'comment',
      ],
      rows: report.approvals.map((a) => [
        `#${a.seq}`,
        cell(a.stage),
        a.time,
        a.approver,
        a.decision,
        a.channel,
        cell(a.groups),
        cell(a.verifiedBy ?? a.keyId),
        cell(a.releaseDigest),
        cell(a.policyResultHash),
        yesNo(a.sawPromotedRelease && a.sawCurrentPolicyResult),
        cell(a.comment),
      ]),
    },
    {
      title: 'Policy results',
      columns: ['record', 'stage', 'pack', 'rule', 'severity', 'outcome', 'message', 'controls'],
      rows: report.policies.flatMap((pol) =>
        pol.rules.map((r) => [
          `#${pol.seq}`,
          cell(pol.stage),
          r.pack,
          r.ruleId,
          r.severity,
          r.outcome,
          cell(r.message),
          cell(r.controls),
        ]),
      ),
    },
    {
      title: 'Waivers',
      columns: ['record', 'stage', 'waives', 'by', 'justification', 'expires'],
      rows: report.waivers.map((w) => [
        `#${w.seq}`,
        cell(w.stage),
        cell(w.waives),
        w.by,
        w.justification,
        w.expiresAt,
      ]),
    },
    {
      title: 'Canary analysis',
      columns: [
        'record',
        'stage',
        'step',
        'weight %',
        'verdict',
        'metric',
        'metric verdict',
        'canary',
        'baseline',
        'estimate',
        'interval',
        'tolerance',
        'samples',
        'test',
        'p-value',
        'reason',
      ],
      rows: report.canary.flatMap((c) =>
        c.metrics.map((m) => [
          `#${c.seq}`,
          cell(c.stage),
          String(c.step),
          String(c.weight),
          c.verdict,
          m.name,
          m.verdict,
          cell(m.canary),
          cell(m.baseline),
          cell(m.estimate),
          intervalCell(m.interval),
          toleranceCell(m.tolerance, m.unit),
          m.samples
            ? `${m.samples.canary}${m.samples.baseline !== undefined ? ` / ${m.samples.baseline}` : ''}`
            : '',
          cell(m.test),
          cell(m.pValue),
          m.reason,
        ]),
      ),
    },
    {
      title: 'Rollbacks',
      columns: ['record', 'stage', 'time', 'reason', 'restored'],
      rows: report.rollbacks.map((r) => [`#${r.seq}`, cell(r.stage), r.time, r.reason, cell(r.restored)]),
    },
    {
      title: 'Refused requests',
      columns: ['record', 'time', 'actor', 'channel', 'reason'],
      rows: report.refusals.map((r) => [`#${r.seq}`, r.time, cell(r.actor), r.channel, r.reason]),
    },
    {
      title: 'Timeline',
      columns: ['record', 'time', 'stage', 'type', 'actor', 'summary', 'controls'],
      widths: [5, 12, 6, 11, 17, 34, 15],
      rows: report.timeline.map((t) => [
        `#${t.seq}`,
        t.time,
        cell(t.stage),
        t.type,
        t.actor,
        t.summary,
        cell(t.controls),
      ]),
    },
  ];
  return tables;
}

/** `[1.2, +∞] (95%)`: an unbounded end is one the samples could not bound. */
function intervalCell(i: CanaryRow['metrics'][number]['interval']): string {
  if (!i) return '';
  return `[${i.lower ?? '−∞'}, ${i.upper ?? '+∞'}] (${Math.round(i.confidence * 100)}%)`;
}

/** `5 ms (ratio 0.2, absolute 5)`: the amount allowed against this baseline and how it was configured. */
function toleranceCell(t: CanaryRow['metrics'][number]['tolerance'], unit = ''): string {
  if (!t) return '';
  const parts = [
    t.ratio !== undefined ? `ratio ${t.ratio}` : '',
    t.absolute !== undefined ? `absolute ${t.absolute}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${t.allowed}${unit ? ` ${unit}` : ''} (${parts})`;
}
