/**
 * Stage admission: the stage worker, which holds its environment's credentials, checks for
 * itself before it deploys, shifts traffic, promotes a canary or rolls back. The proof is a set
 * of stage attestations (or an operator's signed rollback), checked with the trust in this
 * worker's own config. A refusal is recorded in the ledger here, whatever workflow asked, and
 * fails the activity for good with the reason.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { RollbackAction, Signed, TrustSnapshot } from '../src/approvals/actions.js';
import { admissionProblem } from '../src/approvals/attestation.js';
import { findStage } from '../src/approvals/stage-gates.js';
import { signatureProblem } from '../src/approvals/verify.js';
import { parseOperationKey } from '../src/domain/operation-key.js';
import type { Ledger } from '../src/ledger/ledger.js';
import type { Logger } from '../src/logging/logger.js';
import { controlsFor } from '../workflows/controls.js';
import type { StageActivities, StageOperation, StageProof } from './contracts.js';
import type { WorkerTrust } from './trust.js';
import { lockProblem } from './lock-chain.js';

import { ADMISSION_REFUSED } from '../workflows/admission-refused.js';

function operatorRollbackProblem(
  signed: Signed<RollbackAction>,
  pipelineName: string,
  op: StageOperation & { toVersion?: string },
  config: Pick<WorkerTrust, 'pipelines'>,
  trust: TrustSnapshot,
): string | undefined {
  const request = signed.payload;
  if (request?.kind !== 'rollback') return 'the proof is not a rollback request';
  const signature = signatureProblem(signed, trust);
  if (signature) return `rollback request: ${signature}`;
  const found = findStage(config, pipelineName, op.stage);
  if ('problem' in found) return found.problem;
  const principal = trust.principals.find((p) => p.id === request.actor);
  if (!principal?.groups.some((g) => found.pipeline.operatorGroups.includes(g)))
    return `${request.actor} is not an operator of pipeline ${pipelineName} in this worker's config`;
  if (request.app !== op.app || request.stage !== op.stage)
    return `the rollback request is for ${request.app} at ${request.stage}, not ${op.app} at ${op.stage}`;
  if (request.toVersion !== undefined && request.toVersion !== op.toVersion)
    return `the rollback request restores ${request.toVersion}, not ${op.toVersion ?? 'the previous version'}`;
  if (parseOperationKey(op.key)?.promotionId !== request.promotionId)
    return `the rollback request is for ${request.promotionId}, not operation ${op.key}`;
  return undefined;
}

export function admitStageOperations(
  inner: StageActivities,
  deps: {
    stage: string;
    own: WorkerTrust;
    /** Raw public keys of the orchestration workers whose attestations this stage accepts. */
    keys: () => Promise<Buffer[]>;
    /**
     * The ledger: its stage lock chain says which workflow holds the stage, and refusals are
     * recorded in chain `security:deploy-<stage>`. Opened at the first operation.
     */
    ledger: () => Promise<Ledger>;
    logger: Logger;
  },
): StageActivities {
  const { trust } = deps.own;
  const config = { pipelines: deps.own.pipelines };

  async function problemOf(
    op: StageOperation & { version?: string; toVersion?: string; artifacts?: { digest: string }[] },
  ): Promise<string | undefined> {
    const key = parseOperationKey(op.key);
    if (!key) return `operation key ${op.key} is not <promotionId>/<stage>/<operation>`;
    const { promotionId, stage } = key;
    if (op.stage !== deps.stage || stage !== deps.stage)
      return `this worker serves stage ${deps.stage}, not ${op.stage} (operation ${op.key})`;
    const proof: StageProof | undefined = op.proof;
    if (!proof)
      return "no proof: a stage worker changes its target only with a stage attestation or an operator's signed rollback";
    if ('rollback' in proof) {
      if (op.version !== undefined || op.artifacts)
        return "an operator's rollback request admits a rollback, nothing else";
      return (
        operatorRollbackProblem(proof.rollback, proof.pipeline, op, config, trust) ??
        (await holdsStage(op.app))
      );
    }
    const attested = admissionProblem(
      proof.attestations,
      {
        stage: deps.stage,
        promotionId: promotionId ?? '',
        ...(op.version !== undefined ? { version: op.version } : {}),
        ...(op.artifacts ? { artifactDigests: op.artifacts.map((a) => a.digest) } : {}),
      },
      { config: config, trust, keys: await deps.keys() },
    );
    return attested ?? (await holdsStage(op.app));
  }

  /**
   * The calling workflow execution (from the activity context, which the server sets) must hold
   * the stage in its ledger lock chain: a forged lock answer, release or lock workflow cannot
   * make two promotions change one stage at once.
   */
  async function holdsStage(app: string): Promise<string | undefined> {
    const caller = Context.current().info.workflowExecution;
    if (!caller) return 'the operation was not called by a workflow, so it cannot hold the stage lock';
    return lockProblem(await deps.ledger(), { app, stage: deps.stage, caller });
  }

  async function admit(
    operation: string,
    op: StageOperation & { version?: string; toVersion?: string; artifacts?: { digest: string }[] },
  ): Promise<void> {
    const problem = await problemOf(op);
    if (!problem) return;
    const reason = `stage ${deps.stage} refused to ${operation}: ${problem}`;
    deps.logger.warn({ key: op.key, operation, reason }, 'stage admission refused');
    await deps
      .ledger()
      .then((ledger) =>
        ledger.appendNext({
          chainId: `security:deploy-${deps.stage}`,
          promotionId: parseOperationKey(op.key)?.promotionId ?? 'unknown',
          stage: deps.stage,
          type: 'security.refused',
          actor: { id: 'tollgate', channel: 'system' },
          time: new Date().toISOString(),
          data: { refusal: 'stage-admission', reason, operation, key: op.key, app: op.app },
          controls: controlsFor('security.refused'),
        }),
      )
      .catch((err: unknown) => deps.logger.error({ err }, 'could not record a stage admission refusal'));
    throw ApplicationFailure.nonRetryable(reason, ADMISSION_REFUSED);
  }

  return {
    ...inner,
    async deploy(req) {
      await admit('deploy', req);
      return inner.deploy(req);
    },
    async setCanaryWeight(req) {
      await admit('shift traffic', req);
      return inner.setCanaryWeight(req);
    },
    async promoteCanary(req) {
      await admit('promote the canary', req);
      return inner.promoteCanary(req);
    },
    async rollback(req) {
      await admit('roll back', req);
      return inner.rollback(req);
    },
  };
}
