import path from 'node:path';
import type { Logger } from '../logging/logger.js';
import { TargetConfig } from './config.js';
import { CommandTarget } from './command/command-target.js';
import { LocalTarget } from './local/local-target.js';
import type { Target } from './target.js';

export { TargetConfig } from './config.js';
export { TargetError, type Target, type ServingState, type OperationLogEntry } from './target.js';

/**
 * Builds a stage's deploy target. Its files (`serving.json`, `operations.jsonl`, the local
 * versions' logs) live in `<stateDir>/<stage>/`, so one state directory can hold every stage.
 * `app`, when given, restricts the target to that app.
 */
export function createTarget(
  config: TargetConfig,
  opts: { app?: string; stage: string; stateDir: string; logger: Logger },
): Target {
  const parsed = TargetConfig.parse(config);
  const targetOpts = {
    stage: opts.stage,
    stateDir: path.join(opts.stateDir, opts.stage),
    logger: opts.logger,
    ...(opts.app !== undefined ? { app: opts.app } : {}),
  };
  if (parsed.type === 'local') return new LocalTarget(parsed, targetOpts);
  return new CommandTarget(parsed, targetOpts);
}
