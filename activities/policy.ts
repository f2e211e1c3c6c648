import type { Logger } from '../src/logging/logger.js';
import type { PolicyEngine } from '../src/policy/engine.js';
import type { OrchestrationActivities } from './contracts.js';

/**
 * The policy gate's activity. Evaluation is deterministic for the same release, packs, settings
 * and workflow time, so a retry returns the same result hash. Evidence problems (missing or
 * broken files) are failed rules inside the result, never activity failures.
 */
export function createPolicyActivities(deps: {
  engine: PolicyEngine;
  logger: Logger;
}): Pick<OrchestrationActivities, 'evaluatePolicy'> {
  return {
    async evaluatePolicy(req) {
      deps.logger.debug(
        { promotionId: req.promotionId, stage: req.stage, packs: req.packs },
        'evaluating policy',
      );
      return deps.engine.evaluate(req);
    },
  };
}
