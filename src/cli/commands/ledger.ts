/**
 * `tollgate ledger backup <dir>` / `tollgate ledger restore <dir>`: the evidence, out of the
 * ledger and back into an empty one. `tollgate dr drill`: backup → restore into a scratch store →
 * verify, recorded as a `dr.drill` evidence record. The work lives in ledger.run.ts.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

const load = () => import('./ledger.run.js');

export function registerLedgerCommands(program: Command, ctx: CliContext): void {
  const ledger = program.command('ledger').description('back up and restore the evidence ledger');
  ledger
    .command('backup')
    .description("copy every chain, seal and archived history of the config's ledger into a new directory")
    .argument('<dir>', 'an empty or new directory')
    .addHelpText('after', '\nExamples:\n  tollgate ledger backup /backups/tollgate-$(date +%F)')
    .action(async (dir: string, _opts: unknown, cmd: Command) => (await load()).backup(ctx, dir, cmd));
  ledger
    .command('restore')
    .description("restore a backup into the config's ledger, which must be empty, then verify it")
    .argument('<dir>', 'a directory written by `tollgate ledger backup`')
    .addHelpText(
      'after',
      '\nExamples:\n  TOLLGATE_CONFIG=recovered.yaml tollgate ledger restore /backups/tollgate-2026-12-07',
    )
    .action(async (dir: string, _opts: unknown, cmd: Command) => (await load()).restore(ctx, dir, cmd));

  program
    .command('dr')
    .description('disaster-recovery checks')
    .command('drill')
    .description(
      'back the ledger up, restore it into an empty scratch store, verify it, and record the outcome as evidence',
    )
    .option(
      '--scratch-postgres <connectionString>',
      'restore into this empty PostgreSQL database (default: a temporary file store)',
    )
    .option(
      '--keep-backup <dir>',
      'write the backup here and keep it (default: a temporary directory, removed)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate dr drill\n  tollgate dr drill --scratch-postgres postgres://dr@db/scratch --keep-backup /backups/drill',
    )
    .action(async (opts: DrillOptions, cmd: Command) => (await load()).drill(ctx, opts, cmd));
}

export interface DrillOptions {
  scratchPostgres?: string;
  keepBackup?: string;
}
