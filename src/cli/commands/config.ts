/**
 * `tollgate config validate|schema`. The work lives in config.run.ts, loaded only when one of
 * these commands runs.
 */
import type { Command } from 'commander';
import type { Tollgate } from '../context.js';

const load = () => import('./config.run.js');

export function registerConfigCommands(program: Command, ctx: Tollgate): void {
  const config = program
    .command('config')
    .description('check the Tollgate config, print JSON Schemas for editors');
  config
    .command('validate')
    .description(
      'validate the config (and release manifests): schema, pack names and groups; one line per problem with file:line:col',
    )
    .argument('[releases...]', 'release manifests to validate too')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate config validate\n  tollgate --config prod.yaml config validate releases/*.yaml',
    )
    .action(async (releases: string[]) => (await load()).validate(ctx, releases));
  config
    .command('schema')
    .description('print the JSON Schema (draft 2020-12) of the config, a pipeline or a release manifest')
    .option('--kind <kind>', 'config, pipeline or release', 'config')
    .option(
      '--write [dir]',
      'write every kind to <dir>/<kind>.schema.json (default: deploy/schemas, where the examples point)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate config schema --write\n  tollgate config schema --kind release > release.schema.json',
    )
    .action(async (opts: { kind: string; write?: boolean | string }) => (await load()).schema(ctx, opts));
}
