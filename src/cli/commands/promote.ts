/**
 * `tollgate promote <release.yaml>`: validate, start, and optionally follow a promotion. The work
 * lives in promote.run.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import type { Tollgate } from '../context.js';

export interface PromoteOptions {
  pipeline?: string;
  follow?: boolean;
  id?: string;
}

export function registerPromoteCommand(program: Command, ctx: Tollgate): void {
  program
    .command('promote')
    .description('start a promotion of a release through its pipeline')
    .argument('<release>', 'release manifest (YAML or JSON); evidence paths are relative to it')
    .option('--pipeline <name>', 'pipeline to use (needed when the config has several)')
    .option('--follow', 'show live progress until the promotion ends; the exit code tells the outcome')
    .option('--id <promotionId>', 'promotion id (default: <app>-<version>-<random>)')
    .addHelpText(
      'after',
      `
Examples:
  tollgate promote deploy/examples/releases/sample-app-1.0.0.yaml --follow
  tollgate promote release.yaml --pipeline payments --json

Exit codes: 0 started (with --follow: succeeded), 1 failed, rolled back, rejected, expired or
aborted, 2 invalid manifest or config, 3 Temporal unreachable.`,
    )
    .action(async (file: string, opts: PromoteOptions) =>
      (await import('./promote.run.js')).promote(ctx, file, opts),
    );
}
