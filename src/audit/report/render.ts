/** Renders a promotion report as Markdown, self-contained HTML, CSV or JSON. */
import type { PromotionReport } from './model.js';
import { reportTables, type Table } from './table.js';

export const REPORT_FORMATS = ['md', 'html', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

function markdownCell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n|\r/g, '<br>')
    .replace(/</g, '&lt;');
}

function renderMarkdown(report: PromotionReport, tables: Table[]): string {
  const parts = [`# Promotion ${markdownCell(report.promotion.promotionId)}: audit report`, ''];
  for (const t of tables) {
    parts.push(`## ${t.title}`, '');
    if (t.rows.length === 0) {
      parts.push('_none_', '');
      continue;
    }
    parts.push(`| ${t.columns.join(' | ')} |`, `|${t.columns.map(() => ' --- ').join('|')}|`);
    for (const row of t.rows) parts.push(`| ${row.map(markdownCell).join(' | ')} |`);
    parts.push('');
  }
  parts.push(`Controls evidenced: ${report.controls.join(', ')}`, '');
  return parts.join('\n');
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.met{background:#dafbe1}td.not-met{background:#ffebe9}td.partial{background:#fff8c5}
.none{color:#57606a;font-style:italic}`;

function renderHtml(report: PromotionReport, tables: Table[]): string {
  const statusClass = (t: Table, col: number, value: string) =>
    t.title === 'Control coverage' && col === 1 ? ` class="${value.replace(/ /g, '-')}"` : '';
  const body = tables
    .map((t) => {
      const head = `<h2>${escapeHtml(t.title)}</h2>`;
      if (t.rows.length === 0) return `${head}\n<p class="none">none</p>`;
      const header = `<tr>${t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
      const rows = t.rows
        .map(
          (r) => `<tr>${r.map((v, i) => `<td${statusClass(t, i, v)}>${escapeHtml(v)}</td>`).join('')}</tr>`,
        )
        .join('\n');
      return `${head}\n<table>\n${header}\n${rows}\n</table>`;
    })
    .join('\n');
  const title = escapeHtml(`Promotion ${report.promotion.promotionId}: audit report`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${title}</h1>
${body}
<p>Controls evidenced: ${escapeHtml(report.controls.join(', '))}</p>
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

function renderCsv(tables: Table[]): string {
  const width = Math.max(...tables.map((t) => t.columns.length));
  const lines = [['section', ...Array.from({ length: width }, (_, i) => `c${i + 1}`)].join(',')];
  for (const t of tables) {
    lines.push([t.title, ...t.columns].map(csvCell).join(','));
    for (const row of t.rows) lines.push([t.title, ...row].map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function renderReport(report: PromotionReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'md':
      return renderMarkdown(report, reportTables(report));
    case 'html':
      return renderHtml(report, reportTables(report));
    case 'csv':
      return renderCsv(reportTables(report));
  }
}
