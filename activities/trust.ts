/**
 * The orchestration worker's trust activities. They read pipelines, groups and keys from the
 * worker's own config and trust nothing a workflow hands them: a forged workflow can call them
 * with any arguments, so every claim is checked against signatures before anything is signed.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { FreezeAction, Signed, TrustSnapshot } from '../src/approvals/actions.js';
import { signStageAttestation } from '../src/approvals/attestation.js';
import { publicKeyFromRaw } from '../src/approvals/dsse.js';
import { rawPublicKey } from '../src/approvals/keys.js';
import { findStage, predicateProblem, startProblem } from '../src/approvals/stage-gates.js';
import { signatureProblem } from '../src/approvals/verify.js';
import type { Pipeline, TollgateConfig } from '../src/config/schema.js';
import { configDigest } from '../src/config/orchestration-key.js';
import { canonicalBytes } from '../src/domain/canonical.js';
import type { StagePredicate } from '../src/domain/attestation.js';
import type { Logger } from '../src/logging/logger.js';
import type { PolicyEvaluation } from '../src/policy/types.js';
import { buildTrust, releaseDigest } from '../src/promotion/prepare.js';
import type { OrchestrationActivities, PolicyRequest, PolicySeal } from './contracts.js';

/** What a worker trusts, from its own config: pipelines, and principals with their keys and groups. */
export interface WorkerTrust {
  pipelines: Pipeline[];
  trust: TrustSnapshot;
}

export function workerTrust(
  config: Pick<TollgateConfig, 'pipelines' | 'principals' | 'chatServiceKeys'>,
): WorkerTrust {
  return { pipelines: config.pipelines, trust: buildTrust(config) };
}

/** Signs a policy evaluation for the stage attestation's issuer. */
export function sealPolicyResult(
  key: KeyObject,
  req: PolicyRequest,
  evaluation: PolicyEvaluation,
): PolicySeal {
  const payload: PolicySeal['payload'] = {
    kind: 'policy-result',
    promotionId: req.promotionId,
    stage: req.stage,
    releaseDigest: releaseDigest(req.release),
    resultHash: evaluation.resultHash,
    passed: evaluation.passed,
    failedRules: evaluation.rules
      .filter((r) => r.outcome === 'fail' || r.outcome === 'error')
      .map((r) => r.ruleId),
    packs: req.packs,
  };
  return { payload, signature: sign(null, canonicalBytes(payload), key).toString('hex') };
}

function policySealHolds(seal: PolicySeal, key: KeyObject): boolean {
  try {
    return verify(
      null,
      canonicalBytes(seal.payload),
      publicKeyFromRaw(rawPublicKey(key)),
      Buffer.from(seal.signature, 'hex'),
    );
  } catch {
    return false;
  }
}

/** A freeze in force whose signer is an operator of `pipeline`, or undefined. */
function freezeInForce(
  freeze: Signed<FreezeAction> | undefined,
  operatorGroups: string[],
  trust: TrustSnapshot,
): FreezeAction | undefined {
  if (!freeze?.payload.frozen || signatureProblem(freeze, trust)) return undefined;
  const principal = trust.principals.find((p) => p.id === freeze.payload.actor);
  return principal?.groups.some((g) => operatorGroups.includes(g)) ? freeze.payload : undefined;
}

/**
 * The time a gate is judged at (change windows, waiver expiry): when the Temporal server
 * scheduled this attempt, never a time the workflow passes in; outside an activity, the clock.
 */
function issuingTime(): Date {
  try {
    return new Date(Context.current().info.currentAttemptScheduledTimestampMs);
  } catch {
    return new Date();
  }
}

export function createTrustActivities(deps: {
  own: WorkerTrust;
  /** The orchestration worker's signing key. */
  key: () => Promise<KeyObject>;
  /** The line's state (the coordination activity); without it no freeze is checked. */
  lineStatus?: () => Promise<{ freeze?: Signed<FreezeAction> }>;
  logger: Logger;
}): Pick<
  OrchestrationActivities,
  'resolvePromotion' | 'resolveRollback' | 'lineTrust' | 'issueStageAttestation'
> {
  const { logger } = deps;
  const config = { pipelines: deps.own.pipelines };
  const principalsTrust = deps.own.trust;
  const trustWithService = async (): Promise<TrustSnapshot> => ({
    ...principalsTrust,
    serviceKeys: [rawPublicKey(await deps.key()).toString('hex')],
  });

  return {
    async resolvePromotion({ promotionId, request, releaseDigest: digest }) {
      const refused = (reason: string) => {
        logger.warn({ promotionId, reason }, 'promotion start refused');
        return { refused: reason };
      };
      const problem = startProblem(request, { promotionId, releaseDigest: digest }, principalsTrust);
      if (problem) return refused(problem);
      const pipeline = config.pipelines.find((p) => p.name === request.payload.pipeline);
      if (!pipeline)
        return refused(`pipeline ${request.payload.pipeline} is not in the orchestration worker's config`);
      const key = await deps.key();
      return {
        pipeline,
        trust: await trustWithService(),
        configDigest: configDigest(config.pipelines, principalsTrust, [rawPublicKey(key)]),
        requester: request.payload.actor,
      };
    },

    lineTrust() {
      const operatorGroups = [...new Set(config.pipelines.flatMap((p) => p.operatorGroups))];
      return Promise.resolve({ operatorGroups, trust: principalsTrust });
    },

    resolveRollback({ pipeline }) {
      const found = config.pipelines.find((p) => p.name === pipeline);
      return Promise.resolve(
        found
          ? { operatorGroups: found.operatorGroups, trust: principalsTrust }
          : { refused: `pipeline ${pipeline} is not in the orchestration worker's config` },
      );
    },

    async issueStageAttestation(req) {
      const key = await deps.key();
      const refused = (reason: string) => {
        logger.warn({ promotionId: req.promotionId, stage: req.stage, reason }, 'stage attestation refused');
        return { refused: reason };
      };
      const digest = releaseDigest(req.release);
      const pipelineName = req.start.payload.pipeline;
      const found = findStage(config, pipelineName, req.stage);
      if ('problem' in found) return refused(found.problem);
      const start = startProblem(
        req.start,
        { promotionId: req.promotionId, releaseDigest: digest },
        principalsTrust,
      );
      if (start) return refused(start);
      const seal = req.policy;
      if (!policySealHolds(seal, key))
        return refused('the policy result is not signed by this orchestration worker');
      if (
        seal.payload.promotionId !== req.promotionId ||
        seal.payload.stage !== req.stage ||
        seal.payload.releaseDigest !== digest
      )
        return refused(
          `the policy result is for ${seal.payload.promotionId}/${seal.payload.stage} and release ${seal.payload.releaseDigest}`,
        );
      if (req.phase === 'admitted' && deps.lineStatus) {
        const freeze = freezeInForce(
          (await deps.lineStatus()).freeze,
          found.pipeline.operatorGroups,
          principalsTrust,
        );
        if (freeze) return refused(`the line is frozen by ${freeze.actor}: ${freeze.reason}`);
      }
      const predicate: StagePredicate = {
        promotionId: req.promotionId,
        stage: req.stage,
        phase: req.phase,
        pipeline: pipelineName,
        configDigest: configDigest(config.pipelines, principalsTrust, [rawPublicKey(key)]),
        release: { app: req.release.app, version: req.release.version, digest },
        start: req.start,
        policy: {
          resultHash: seal.payload.resultHash,
          passed: seal.payload.passed,
          failedRules: seal.payload.failedRules,
          packs: seal.payload.packs,
        },
        waivers: req.waivers,
        votes: req.votes,
        window: req.window,
        canary: req.canary,
        issuedAt: issuingTime().toISOString(),
      };
      const problem = predicateProblem(predicate, { config, trust: principalsTrust });
      if (problem) return refused(problem);
      logger.info(
        { promotionId: req.promotionId, stage: req.stage, phase: req.phase },
        'stage attestation issued',
      );
      return { envelope: signStageAttestation(predicate, req.release.artifacts, key) };
    },
  };
}
