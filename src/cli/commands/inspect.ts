/**
 * `tollgate status|list|history`: where promotions are, and what happened to one. The work lives
 * in inspect.run.ts, loaded only when one of these commands runs.
 */
import type { Command } from 'commander';
import type { Tollgate } from '../context.js';

export interface ListOptions {
  app?: string;
  stage?: string;
  status?: string;
  since?: string;
  limit: number;
}

const load = () => import('./inspect.run.js');

export function registerInspectCommands(program: Command, ctx: Tollgate): void {
  program
    .command('status')
    .description("a promotion's live state: stages, gates, votes, canary")
    .argument('<promotion>', 'promotion id')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate status sample-app-1.0.0-3f2a9c1d\n  tollgate status sample-app-1.0.0-3f2a9c1d --json | jq .stages',
    )
    .action(async (id: string) => (await load()).status(ctx, id));

  program
    .command('list')
    .description(
      'promotions and rollbacks known to Temporal, newest first (filters use the Tollgate search attributes)',
    )
    .option('--app <app>')
    .option('--stage <stage>', 'the stage a promotion is at (or ended at)')
    .option(
      '--status <status>',
      'running, succeeded, failed, rejected, expired, aborted, rolled-back, superseded',
    )
    .option('--since <when>', 'started within a duration (24h, 7d) or since a date')
    .option('--limit <n>', 'at most this many', (v) => Number(v), 50)
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate list --app sample-app --since 7d\n  tollgate list --stage prod --status rolled-back --json',
    )
    .action(async (opts: ListOptions) => (await load()).list(ctx, opts));

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
