/**
 * `tollgate canary backtest <template> --since 30d`: which recorded canary verdicts would another
 * template have changed? The work lives in canary.run.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

const load = () => import('./canary.run.js');

/**
 * The `canary` group: answering an inconclusive analysis (act.ts) and judging recorded ones again
 * (here) register under one command.
 */
export function canaryGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'canary') ??
    program
      .command('canary')
      .description('answer an inconclusive canary analysis, or judge recorded analyses again')
  );
}

export function registerCanaryCommands(program: Command, ctx: CliContext): void {
  const canary = canaryGroup(program);

  canary
    .command('backtest')
    .description(
      'judge the measurements recorded by past canary analyses with a template and list the verdicts that would change',
    )
    .argument('<template>', "YAML or JSON file holding a stage's canary section (its steps may be left out)")
    .option('--since <duration>', 'how far back to look, e.g. 30d or 12h', '30d')
    .option('--all', 'list every analysis, not only those whose verdict would change')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate canary backtest deploy/examples/canary-strict.yaml --since 30d\n  tollgate canary backtest candidate.yaml --since 12h --all --json',
    )
    .action(async (template: string, opts: { since: string; all?: boolean }, cmd: Command) =>
      (await load()).backtest(ctx, template, opts, cmd),
    );
}
