import type { KeyObject } from 'node:crypto';
import type { Logger } from '../src/logging/logger.js';
import type { PolicyEngine } from '../src/policy/engine.js';
import type { OrchestrationActivities } from './contracts.js';
import { sealPolicyResult } from './trust.js';

/**
 * The policy gate's activity. Evaluation is deterministic for the same release, packs, settings
 * and workflow time, so a retry returns the same result hash. Evidence problems (missing or
 * broken files) are failed rules inside the result, never activity failures. With the
 * orchestration key, the result carries its seal: what a stage attestation takes it from.
 */
export function createPolicyActivities(deps: {
  engine: PolicyEngine;
  logger: Logger;
  key?: () => Promise<KeyObject>;
}): Pick<OrchestrationActivities, 'evaluatePolicy'> {
  return {
    async evaluatePolicy(req) {
      deps.logger.debug(
        { promotionId: req.promotionId, stage: req.stage, packs: req.packs },
        'evaluating policy',
      );
      const evaluation = await deps.engine.evaluate(req);
      if (!deps.key) return evaluation;
      return { ...evaluation, seal: sealPolicyResult(await deps.key(), req, evaluation) };
    },
  };
}
