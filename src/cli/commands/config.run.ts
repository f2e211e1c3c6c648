/** What `tollgate config validate|schema` do (their shapes are in config.ts). */
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

export async function validate(ctx: Tollgate, releases: string[]): Promise<void> {
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
}

export function schema(ctx: Tollgate, opts: { kind: string }): void {
  if (!(opts.kind in SCHEMAS)) throw new UserError(`--kind ${opts.kind}: choose config, pipeline or release`);
  ctx.out(JSON.stringify(jsonSchema(opts.kind as SchemaKind), null, 2));
}
