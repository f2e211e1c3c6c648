/** `tollgate config validate|schema`. */
import type { Command } from 'commander';
import { z } from 'zod';
import { Pipeline, TollgateConfig } from '../../config/schema.js';
import { Release } from '../../domain/release.js';
import { readReleaseFile } from '../../config/release-file.js';
import type { Tollgate } from '../context.js';
import { UserError } from '../errors.js';

const SCHEMAS = { config: TollgateConfig, pipeline: Pipeline, release: Release } as const;
type SchemaKind = keyof typeof SCHEMAS;

export function jsonSchema(kind: SchemaKind): Record<string, unknown> {
  return {
    ...z.toJSONSchema(SCHEMAS[kind], { io: 'input', unrepresentable: 'any' }),
    title: `Tollgate ${kind}`,
  };
}

export function registerConfigCommands(program: Command, ctx: Tollgate): void {
  const config = program
    .command('config')
    .description('check the Tollgate config, print JSON Schemas for editors');
  config
    .command('validate')
    .description('validate the config (and release manifests): one line per problem with file:line:col')
    .argument('[releases...]', 'release manifests to validate too')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate config validate\n  tollgate --config prod.yaml config validate releases/*.yaml',
    )
    .action(async (releases: string[]) => {
      const source = await ctx.configSource();
      const loaded = await ctx.config();
      for (const file of releases) await readReleaseFile(file);
      const summary = {
        file: source.file,
        origin: source.origin,
        pipelines: loaded.pipelines.map((p) => ({ name: p.name, stages: p.stages.map((s) => s.name) })),
        principals: loaded.principals.length,
        releases,
      };
      ctx.print(summary, () =>
        [
          `${source.file} (${source.origin}) is valid`,
          ...summary.pipelines.map((p) => `  pipeline ${p.name}: ${p.stages.join(' → ')}`),
          `  ${summary.principals} principal(s)`,
          ...releases.map((r) => `${r} is valid`),
        ].join('\n'),
      );
    });
  config
    .command('schema')
    .description('print the JSON Schema (draft 2020-12) of the config, a pipeline or a release manifest')
    .option('--kind <kind>', 'config, pipeline or release', 'config')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate config schema > tollgate.schema.json\n  tollgate config schema --kind release',
    )
    .action((opts: { kind: string }) => {
      if (!(opts.kind in SCHEMAS))
        throw new UserError(`--kind ${opts.kind}: choose config, pipeline or release`);
      ctx.out(JSON.stringify(jsonSchema(opts.kind as SchemaKind), null, 2));
    });
}
