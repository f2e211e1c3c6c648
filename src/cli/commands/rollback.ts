/**
 * `tollgate rollback <app> --stage <stage>`: an operator restores an app's previous version (or
 * `--to` a named one) at one stage, outside any promotion. The work lives in rollback.run.ts,
 * loaded only when the command runs.
 */
import type { Command } from 'commander';
import type { Tollgate } from '../context.js';

export interface RollbackOptions {
  stage: string;
  to?: string;
  reason?: string;
  pipeline?: string;
  yes?: boolean;
}

export function registerRollbackCommand(program: Command, ctx: Tollgate): void {
  program
    .command('rollback')
    .description('restore the previous version of an app at a stage (operators; signed and recorded)')
    .argument('<app>', 'the app to roll back')
    .requiredOption('--stage <stage>', 'the stage to roll back')
    .option('--to <version>', 'the version to restore (default: the one stable before the current one)')
    .option('--reason <text>', 'recorded with the rollback')
    .option(
      '--pipeline <name>',
      'the pipeline whose operators may roll back (needed when several have the stage)',
    )
    .option('-y, --yes', 'do not ask for confirmation (scripts)')
    .addHelpText(
      'after',
      `
Examples:
  tollgate rollback sample-app --stage prod --reason "INC-4711: checkout errors"
  tollgate rollback sample-app --stage prod --to 1.0.0 --yes --json

A running promotion of the app to that stage holds the stage: the rollback is refused and names
it (abort it first). Exit codes: 0 rolled back, 1 refused or failed, 2 unknown stage or nothing
to roll back, 3 Temporal unreachable.`,
    )
    .action(async (app: string, opts: RollbackOptions) => {
      const { rollbackApp } = await import('./rollback.run.js');
      await rollbackApp(ctx, app, opts);
    });
}
