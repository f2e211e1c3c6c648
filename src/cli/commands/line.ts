/**
 * `tollgate freeze|unfreeze`: stop the line for every promotion (or lift the stop), signed. The
 * work lives in line.run.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import type { Tollgate } from '../context.js';

function registerFreeze(program: Command, ctx: Tollgate, frozen: boolean): void {
  const name = frozen ? 'freeze' : 'unfreeze';
  program
    .command(name)
    .description(
      frozen
        ? 'stop the line: no promotion deploys anywhere until unfrozen'
        : 'lift the stop-the-line freeze',
    )
    .requiredOption('--reason <text>', 'recorded in every running promotion')
    .addHelpText(
      'after',
      `\nExample:\n  tollgate ${name} --reason "${frozen ? 'incident INC-4711: payments degraded' : 'INC-4711 resolved'}"`,
    )
    .action(async (opts: { reason: string }) => (await import('./line.run.js')).setFreeze(ctx, frozen, opts));
}

export function registerLineCommands(program: Command, ctx: Tollgate): void {
  registerFreeze(program, ctx, true);
  registerFreeze(program, ctx, false);
}
