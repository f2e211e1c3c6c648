/**
 * `tollgate policy test <release> --stage prod`: dry-run the packs against a release manifest.
 * `tollgate policy backtest --since 30d`: which recorded promotions would the packs have blocked?
 * `tollgate policy recheck <bundle> <promotion>`: the recorded gates, re-evaluated offline from a bundle.
 * The work lives in policy.run.ts, loaded only when one of these commands runs.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { SINCE_HELP } from '../since.js';

const load = () => import('./policy.run.js');

export type { CliContext };

export function registerPolicyCommands(program: Command, ctx: CliContext): void {
  const policy = program.command('policy').description('dry-run and backtest policy packs');

  policy
    .command('test')
    .description("evaluate the policy packs against a release manifest, as the stage's gate would")
    .argument(
      '<release>',
      'release manifest (YAML or JSON); relative evidence paths resolve against its folder',
    )
    .requiredOption('--stage <stage>', 'stage to evaluate for, e.g. prod')
    .option('--pack <dir...>', 'policy pack directories (default: policyPackDirs from the config)')
    .option(
      '--packs <names>',
      "comma-separated pack names to evaluate (default: the stage's packs in the config)",
    )
    .option(
      '--pipeline <name>',
      'the pipeline whose stage is meant (needed when several have it with different packs)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate policy test deploy/examples/releases/sample-app-1.0.0.yaml --stage prod\n  tollgate policy test release.yaml --stage prod --pack ./candidate-packs --packs change-management --json',
    )
    .action(
      async (
        releaseFile: string,
        opts: { stage: string; pack?: string[]; packs?: string; pipeline?: string },
        cmd: Command,
      ) => (await load()).test(ctx, releaseFile, opts, cmd),
    );

  policy
    .command('recheck')
    .description(
      "re-evaluate a promotion's recorded policy gates offline from an evidence bundle, on the evidence bytes it carries",
    )
    .argument(
      '<bundle>',
      'evidence bundle from `tollgate audit export` (.tar.gz, or the folder it was extracted to)',
    )
    .argument('<promotion>', 'promotion id')
    .option('--pack <dir...>', 'policy pack directories (default: policyPackDirs from the config)')
    .addHelpText(
      'after',
      '\nExit codes: 0 every gate gives the recorded result, 1 a result differs, 2 unreadable bundle or config.\n\nExample:\n  tollgate policy recheck evidence.tar.gz checkout-1.4.2-3f9a1c2e',
    )
    .action(async (bundle: string, promotionId: string, opts: { pack?: string[] }, cmd: Command) =>
      (await import('./policy-recheck.run.js')).recheck(ctx, bundle, promotionId, opts, cmd),
    );

  policy
    .command('backtest')
    .description(
      'evaluate the packs against promotions recorded in the ledger and list those they would have blocked',
    )
    .option('--since <when>', `${SINCE_HELP}`, '30d')
    .option('--pack <dir...>', 'policy pack directories to try (default: policyPackDirs from the config)')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate policy backtest --since 30d\n  tollgate policy backtest --since 12h --pack ./candidate-packs --json',
    )
    .action(async (opts: { since: string; pack?: string[] }, cmd: Command) =>
      (await load()).backtestPacks(ctx, opts, cmd),
    );
}
