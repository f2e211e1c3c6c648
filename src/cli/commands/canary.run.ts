/** What `tollgate canary backtest` does (its shape is in canary.ts). */
import type { Command } from 'commander';
import { z } from 'zod';
import { backtestCanary, CanaryTemplate, type CanaryBacktestReport } from '../../canary/backtest.js';
import { LedgerConfig } from '../../config/schema.js';
import { FileProblemsError, readWithSchema } from '../../config/yaml-file.js';
import { createLedger } from '../../ledger/create.js';
import { createLogger } from '../../logging/logger.js';
import { sinceTime } from '../../domain/since.js';
import type { CliContext } from '../context.js';

/** The part of the Tollgate config this command reads; the rest passes through untouched. */
const CanaryCliConfig = z.looseObject({ ledger: LedgerConfig });

export async function backtest(
  ctx: CliContext,
  templateFile: string,
  opts: { since: string; all?: boolean },
  cmd: Command,
): Promise<void> {
  let since: Date;
  let template: CanaryTemplate;
  try {
    since = sinceTime(opts.since, new Date());
    template = await readWithSchema(templateFile, CanaryTemplate, 'canary template');
  } catch (err) {
    if (err instanceof FileProblemsError || (err instanceof Error && err.message.startsWith('--since')))
      cmd.error(`error: ${err.message}`, { exitCode: 2, code: 'tollgate.canary.input' });
    throw err;
  }
  const config = CanaryCliConfig.safeParse(await ctx.loadConfig());
  if (!config.success)
    cmd.error(
      `error: invalid config: ${config.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { exitCode: 2, code: 'tollgate.canary.input' },
    );
  const ledger = await createLedger(config.data.ledger, {
    logger: createLogger({ level: 'warn', pretty: false }),
  });
  try {
    const report = await backtestCanary({ ledger, template, since });
    ctx.out(ctx.json ? JSON.stringify(report, null, 2) : formatCanaryBacktest(report, opts.all ?? false));
  } finally {
    await ledger.close();
  }
}

export function formatCanaryBacktest(report: CanaryBacktestReport, all: boolean): string {
  const lines = [
    `canary backtest since ${report.since}: ${report.analyses} analyses, ${report.rejudged} judged again, ${report.changed} would change`,
  ];
  for (const r of report.rows) {
    if (!all && !r.changed) continue;
    const where = `${r.promotionId} ${r.app ?? '?'} ${r.version ?? '?'} ${r.stage ?? '?'} step ${r.step}${r.measurement !== undefined ? `.${r.measurement}` : ''}`;
    const verdicts =
      r.rejudged === null ? `${r.recorded} (not judged again)` : `${r.recorded} → ${r.rejudged}`;
    lines.push(`  ${r.changed ? 'CHANGE' : 'same  '} ${where}: ${verdicts}: ${r.reason}`);
  }
  return lines.join('\n');
}
