/** Renders a report as Markdown, self-contained HTML, CSV or JSON (OSCAL: see oscal.ts). */
import type { PromotionReport } from './model.js';
import { reportTables, type Table } from './table.js';
import type { Verdict } from './verdict.js';

export const REPORT_FORMATS = ['md', 'html', 'json', 'csv', 'oscal'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** What the text renderers share: a title, the verdict that comes first, titled tables. */
export interface ReportDocument {
  title: string;
  verdict: Verdict;
  /** Lines under the verdict (the scope, the sample's seed). */
  preface?: string[];
  tables: Table[];
  footer?: string;
}

function markdownCell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n|\r/g, '<br>')
    .replace(/</g, '&lt;');
}

function renderMarkdown(doc: ReportDocument): string {
  const parts = [
    `# ${markdownCell(doc.title)}`,
    '',
    `**Verdict: ${markdownCell(doc.verdict.headline)}**`,
    '',
  ];
  for (const line of doc.preface ?? []) parts.push(`- ${markdownCell(line)}`);
  if (doc.preface?.length) parts.push('');
  for (const t of doc.tables) {
    parts.push(`## ${t.title}`, '');
    if (t.rows.length === 0) {
      parts.push('_none_', '');
      continue;
    }
    parts.push(`| ${t.columns.join(' | ')} |`, `|${t.columns.map(() => ' --- ').join('|')}|`);
    for (const row of t.rows) parts.push(`| ${row.map(markdownCell).join(' | ')} |`);
    parts.push('');
  }
  if (doc.footer) parts.push(markdownCell(doc.footer), '');
  return parts.join('\n');
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

// A fixed layout with wrapping anywhere keeps every table inside the window: digests and
// hashes break instead of pushing the table off a laptop screen.
const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:1400px;padding:0 1rem;color:#1b1f24}
h1{font-size:1.45rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0;table-layout:fixed}
th,td{border:1px solid #d0d7de;padding:.3rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:normal}
th{background:#f6f8fa}td.met{background:#dafbe1}td.not-met{background:#ffebe9;font-weight:600}td.partial{background:#fff8c5}td.not-applicable{background:#f6f8fa;color:#57606a}
.verdict{font-size:1.1rem;padding:.8rem 1rem;border-radius:6px;border:2px solid}
.verdict.met{background:#dafbe1;border-color:#1a7f37}.verdict.not-met{background:#ffebe9;border-color:#cf222e}.verdict.met-with-exceptions{background:#fff8c5;border-color:#9a6700}
.none{color:#57606a;font-style:italic}`;

const STATUS_COLUMN = 'status';
const cls = (value: string) => value.replace(/ /g, '-');

function renderHtml(doc: ReportDocument): string {
  const body = doc.tables
    .map((t) => {
      const head = `<h2>${escapeHtml(t.title)}</h2>`;
      if (t.rows.length === 0) return `${head}\n<p class="none">none</p>`;
      const statusCol = t.columns.indexOf(STATUS_COLUMN);
      const cols = t.widths
        ? `<colgroup>${t.widths.map((w) => `<col style="width:${w}%">`).join('')}</colgroup>\n`
        : '';
      const header = `${cols}<tr>${t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
      const rows = t.rows
        .map(
          (r) =>
            `<tr>${r.map((v, i) => `<td${i === statusCol ? ` class="${cls(v)}"` : ''}>${escapeHtml(v)}</td>`).join('')}</tr>`,
        )
        .join('\n');
      return `${head}\n<table>\n${header}\n${rows}\n</table>`;
    })
    .join('\n');
  const title = escapeHtml(doc.title);
  const preface = (doc.preface ?? []).map((l) => `<li>${escapeHtml(l)}</li>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${title}</h1>
<p class="verdict ${cls(doc.verdict.status)}"><strong>${escapeHtml(doc.verdict.headline)}</strong></p>
${preface ? `<ul>${preface}</ul>` : ''}
${body}
${doc.footer ? `<p>${escapeHtml(doc.footer)}</p>` : ''}
</body>
</html>
`;
}

/**
 * A spreadsheet treats a cell starting with = + - @ (or a tab / carriage return before one) as
 * a formula: prefix such cells with a quote so evidence text can never execute.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function renderCsv(doc: ReportDocument): string {
  const width = Math.max(2, ...doc.tables.map((t) => t.columns.length));
  const lines = [['section', ...Array.from({ length: width }, (_, i) => `c${i + 1}`)].join(',')];
  lines.push(['Verdict', doc.verdict.status, doc.verdict.headline].map(csvCell).join(','));
  for (const t of doc.tables) {
    lines.push([t.title, ...t.columns].map(csvCell).join(','));
    for (const row of t.rows) lines.push([t.title, ...row].map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function renderDocument(doc: ReportDocument, format: Exclude<ReportFormat, 'json' | 'oscal'>): string {
  switch (format) {
    case 'md':
      return renderMarkdown(doc);
    case 'html':
      return renderHtml(doc);
    case 'csv':
      return renderCsv(doc);
  }
}

export function renderReport(report: PromotionReport, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'oscal')
    throw new Error(
      '--format oscal: OSCAL assessment results cover a period of changes: give --since and --until instead of a promotion',
    );
  return renderDocument(
    {
      title: `Promotion ${report.promotion.promotionId}: audit report`,
      verdict: report.verdict,
      tables: reportTables(report),
      footer: `Controls evidenced: ${report.controls.join(', ')}`,
    },
    format,
  );
}
