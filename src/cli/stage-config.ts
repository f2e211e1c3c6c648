/**
 * A stage as the config defines it, found by name (and pipeline, when several have it): what
 * `policy test` evaluates and what `waive` may name must be what that stage's gate uses.
 */
import type { Pipeline, Stage, TollgateConfig } from '../config/schema.js';
import { UserError } from './errors.js';

export function stageInConfig(
  config: TollgateConfig,
  stageName: string,
  pipelineName?: string,
): { pipeline: Pipeline; stage: Stage } {
  const named = pipelineName ? config.pipelines.filter((p) => p.name === pipelineName) : config.pipelines;
  if (pipelineName && named.length === 0)
    throw new UserError(
      `no pipeline named ${pipelineName} (config has: ${config.pipelines.map((p) => p.name).join(', ')})`,
    );
  const candidates = named.filter((p) => p.stages.some((s) => s.name === stageName));
  if (candidates.length === 0) {
    const stages = [...new Set(named.flatMap((p) => p.stages.map((s) => s.name)))];
    throw new UserError(
      `no stage ${stageName}${pipelineName ? ` in pipeline ${pipelineName}` : ''} (stages: ${stages.join(', ')})`,
    );
  }
  if (candidates.length > 1)
    throw new UserError(
      `stage ${stageName} is in pipelines ${candidates.map((p) => p.name).join(', ')}: choose one with --pipeline`,
    );
  const pipeline = candidates[0]!;
  return { pipeline, stage: pipeline.stages.find((s) => s.name === stageName)! };
}
