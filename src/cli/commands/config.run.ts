/** What `tollgate config validate|schema` do (their shapes are in config.ts). */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { referenceProblems } from '../../config/checks.js';
import { Pipeline, TollgateConfig } from '../../config/schema.js';
import { FileProblemsError, positionedProblems } from '../../config/yaml-file.js';
import { Release } from '../../domain/release.js';
import { readReleaseFile } from '../../config/release-file.js';
import { loadPacks } from '../../policy/loader.js';
import { projectRoot } from '../../paths.js';
import type { Tollgate } from '../context.js';
import { UserError } from '../errors.js';

const SCHEMAS = { config: TollgateConfig, pipeline: Pipeline, release: Release } as const;
type SchemaKind = keyof typeof SCHEMAS;

/** Where `config schema --write` puts the schemas: the examples' `$schema` comments point here. */
export const SCHEMA_DIR = path.join(projectRoot, 'deploy', 'schemas');

/** The JSON Schema (draft 2020-12) of what users write: strict, every field described. */
export function jsonSchema(kind: SchemaKind): Record<string, unknown> {
  return {
    ...z.toJSONSchema(SCHEMAS[kind], { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' }),
    $id: `https://tollgate.dev/schemas/${kind}.schema.json`,
    title: `Tollgate ${kind}`,
  };
}

export async function validate(ctx: Tollgate, releases: string[]): Promise<void> {
  const source = await ctx.configSource();
  const loaded = await ctx.config();
  const packs = await loadPacks(loaded.policyPackDirs);
  const problems = referenceProblems(
    loaded,
    packs.map((p) => p.name),
  );
  if (problems.length) throw new FileProblemsError(await positionedProblems(source.file, problems));
  for (const file of releases) await readReleaseFile(file);
  const summary = {
    file: source.file,
    origin: source.origin,
    pipelines: loaded.pipelines.map((p) => ({ name: p.name, stages: p.stages.map((s) => s.name) })),
    principals: loaded.principals.length,
    packs: packs.map((p) => p.name),
    releases,
  };
  ctx.print(summary, () =>
    [
      `${source.file} (${source.origin}) is valid`,
      ...summary.pipelines.map((p) => `  pipeline ${p.name}: ${p.stages.join(' → ')}`),
      `  ${summary.principals} principal(s), policy packs ${summary.packs.join(', ')}`,
      ...releases.map((r) => `${r} is valid`),
    ].join('\n'),
  );
}

export async function schema(ctx: Tollgate, opts: { kind: string; write?: boolean | string }): Promise<void> {
  if (opts.write) {
    const dir = typeof opts.write === 'string' ? opts.write : SCHEMA_DIR;
    await mkdir(dir, { recursive: true });
    const written: string[] = [];
    for (const kind of Object.keys(SCHEMAS) as SchemaKind[]) {
      const file = path.join(dir, `${kind}.schema.json`);
      await writeFile(file, `${JSON.stringify(jsonSchema(kind), null, 2)}\n`);
      written.push(file);
    }
    ctx.print({ written }, () =>
      written.map((f) => `wrote ${path.relative(process.cwd(), f) || f}`).join('\n'),
    );
    return;
  }
  if (!(opts.kind in SCHEMAS)) throw new UserError(`--kind ${opts.kind}: choose config, pipeline or release`);
  ctx.out(JSON.stringify(jsonSchema(opts.kind as SchemaKind), null, 2));
}
