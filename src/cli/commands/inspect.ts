/**
 * `tollgate status|list|history`: where promotions are, and what happened to one. The work lives
 * in inspect.run.ts (status.run.ts for `status`), loaded only when one of these commands runs.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { SINCE_HELP } from '../since.js';
import { STATUSES } from '../statuses.js';
import type { Tollgate } from '../context.js';

export interface ListOptions {
  app?: string;
  stage?: string;
  status?: string;
  since?: string;
  limit: number;
  watch?: boolean;
}

const load = () => import('./inspect.run.js');

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

export function registerInspectCommands(program: Command, ctx: Tollgate): void {
  program
    .command('status')
    .description("a promotion's live state: stages, gates, votes, canary")
    .argument('<promotion>', 'promotion id')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate status sample-app-1.0.0-3f2a9c1d\n  tollgate status sample-app-1.0.0-3f2a9c1d --json | jq .stages',
    )
    .action(async (id: string) => (await import('./status.run.js')).status(ctx, id));

  program
    .command('list')
    .description(
      'promotions and rollbacks known to Temporal, newest first (filters use the Tollgate search attributes)',
    )
    .option('--app <app>')
    .option('--stage <stage>', 'the stage a promotion is at (or ended at)')
    .addOption(
      new Option('--status <status>', 'only promotions that ended so (or are running)').choices(STATUSES),
    )
    .option('--since <when>', SINCE_HELP)
    .option('--limit <n>', 'at most this many', positiveInteger, 50)
    .option('--watch', 'keep watching: print each promotion that starts or changes (Ctrl-C stops)')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate list --app sample-app --since 7d\n  tollgate list --stage prod --status rolled-back --json\n  tollgate list --watch --json',
    )
    .action(async (opts: ListOptions) => (await load()).list(ctx, opts));

  program
    .command('watch')
    .description(
      'reattach to a promotion and show its progress live until it ends: stages, votes, canary steps, bake time, analyses',
    )
    .argument('<promotion>', 'promotion id')
    .addHelpText(
      'after',
      `
Examples:
  tollgate watch sample-app-1.0.0-3f2a9c1d
  tollgate watch sample-app-1.0.0-3f2a9c1d --json | jq 'select(.event == "canary.analysis")'

Exit codes: 0 the promotion succeeded, 1 it failed, was rolled back, rejected, expired or aborted,
2 no such promotion, 3 Temporal unreachable.`,
    )
    .action(async (id: string) => (await load()).watch(ctx, id));

  program
    .command('history')
    .description("a promotion's timeline from the evidence ledger (works after Temporal's retention expired)")
    .argument('<promotion>', 'promotion id')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate history sample-app-1.0.0-3f2a9c1d\n  tollgate history sample-app-1.0.0-3f2a9c1d --json',
    )
    .action(async (id: string) => (await load()).history(ctx, id));
}
