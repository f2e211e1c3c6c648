/**
 * Builds the activities a worker serves from the Tollgate config. The orchestration worker gets
 * policy, evidence, coordination and notify (no target credentials); a stage worker gets only
 * its stage's target and canary analysis.
 */
import type { Client } from '@temporalio/client';
import type { OrchestrationActivities, StageActivities } from '../../activities/contracts.js';
import { createCoordinationActivities } from '../../activities/coordination.js';
import { createEvidenceActivities } from '../../activities/evidence.js';
import { createNotifyActivities } from '../../activities/notify.js';
import { createPolicyActivities } from '../../activities/policy.js';
import { createStageActivities } from '../../activities/stage.js';
import { admitStageOperations } from '../../activities/admission.js';
import { signStageOperations } from '../../activities/worker-signature.js';
import { loadWorkerIdentity } from '../config/worker-identity.js';
import { createTrustActivities, workerTrust } from '../../activities/trust.js';
import { loadOrchestrationKey, trustedOrchestrationKeys } from '../config/orchestration-key.js';
import { createAnalyzer } from '../canary/analyzer.js';
import { resolveNotifyTargets } from '../chat/config.js';
import { canonicalJson } from '../domain/canonical.js';
import type { Stage, TollgateConfig } from '../config/schema.js';
import { openBlobStore } from '../ledger/blob-store-create.js';
import { createLedger } from '../ledger/create.js';
import type { Ledger } from '../ledger/ledger.js';
import { ledgerSignerFromConfig } from '../ledger/seal.js';
import type { Logger } from '../logging/logger.js';
import { openOnUse } from './open-on-use.js';
import { createPolicyEngine } from '../policy/engine.js';
import { createTarget } from '../targets/index.js';
import { ORCHESTRATION_TASK_QUEUE } from '../../activities/contracts.js';

export interface Built<T> {
  activities: T;
  /** Releases what the activities hold (ledger handles, target processes). */
  close(): Promise<void>;
}

export async function buildOrchestrationActivities(
  config: TollgateConfig,
  deps: { client: Client; logger: Logger; taskQueue?: string; ledger?: Ledger },
): Promise<Built<OrchestrationActivities>> {
  const { client, logger } = deps;
  const ledger =
    deps.ledger ??
    (await createLedger(config.ledger, {
      logger,
      signer: await ledgerSignerFromConfig(config.ledgerSigningKey),
    }));
  const blobs = await openBlobStore(config.ledger);
  const engine = await createPolicyEngine({
    packDirs: config.policyPackDirs,
    settings: config.policy,
    logger,
    blobs,
  });
  const orchestrationKey = openOnUse(() => loadOrchestrationKey(config));
  const coordination = createCoordinationActivities({
    client,
    taskQueue: deps.taskQueue ?? ORCHESTRATION_TASK_QUEUE,
    ledger,
  });
  const activities: OrchestrationActivities = {
    ...createPolicyActivities({ engine, logger, key: orchestrationKey }),
    ...createTrustActivities({
      own: workerTrust(config),
      key: orchestrationKey,
      lineStatus: coordination.lineStatus,
      logger,
    }),
    ...createEvidenceActivities({
      ledger,
      client,
      logger,
      ...(config.ledgerSigningKey ? { signingKeyPath: config.ledgerSigningKey } : {}),
    }),
    ...coordination,
    ...createNotifyActivities({ webhooks: await resolveNotifyTargets(config.notify), logger }),
  };
  return {
    activities,
    close: async () => {
      await blobs.close();
      if (!deps.ledger) await ledger.close();
    },
  };
}

/** Every stage name of every pipeline, in pipeline order, each once. */
export function stageNames(config: TollgateConfig): string[] {
  return [...new Set(config.pipelines.flatMap((p) => p.stages.map((s) => s.name)))];
}

/**
 * The stage's config. One queue serves a stage name for all pipelines, so pipelines that share
 * a stage name must agree on its target.
 */
export function stageConfig(config: TollgateConfig, stageName: string): Stage {
  const found = config.pipelines.flatMap((p) =>
    p.stages.filter((s) => s.name === stageName).map((s) => ({ p: p.name, s })),
  );
  const first = found[0];
  if (!first)
    throw new Error(`no stage named ${stageName} in any pipeline (stages: ${stageNames(config).join(', ')})`);
  const other = found.find((f) => canonicalJson(f.s.target) !== canonicalJson(first.s.target));
  if (other)
    throw new Error(
      `stage ${stageName} has different targets in pipelines ${first.p} and ${other.p}: one worker queue (tollgate-deploy-${stageName}) cannot serve both; rename one stage`,
    );
  return first.s;
}

export function buildStageActivities(
  config: TollgateConfig,
  stageName: string,
  deps: { logger: Logger; ledger?: Ledger },
): Built<StageActivities> {
  const stage = stageConfig(config, stageName);
  const logger = deps.logger.child({ stage: stageName });
  const target = createTarget(stage.target, { stage: stageName, stateDir: config.stateDir, logger });
  const ledger = openOnUse(() =>
    deps.ledger ? Promise.resolve(deps.ledger) : createLedger(config.ledger, { logger }),
  );
  const activities = admitStageOperations(
    signStageOperations(createStageActivities({ target, analyzer: createAnalyzer({ logger }), logger }), {
      stage: stageName,
      keys: () => trustedOrchestrationKeys(config),
      identity: openOnUse(() => loadWorkerIdentity(config)),
    }),
    {
      stage: stageName,
      own: workerTrust(config),
      keys: () => trustedOrchestrationKeys(config),
      ledger,
      logger,
    },
  );
  return {
    activities,
    close: async () => {
      await target.close();
      const opened = ledger.opened();
      if (opened && !deps.ledger) await (await opened).close();
    },
  };
}
