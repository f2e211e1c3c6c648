/**
 * An operator's rollback of one app at one stage, outside any promotion (`tollgate rollback`).
 * It checks the signed request and the operator's authority, takes the app × stage lock the
 * promotions take (refusing, never queueing, while a promotion holds it: a rollback is urgent and
 * must not silently wait behind a deploy), restores the version on that stage's deploy queue, and
 * records every step in its own evidence chain, sealed and archived like a promotion's.
 */
import {
  CancellationScope,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RollbackAction, Signed, TrustSnapshot } from '../src/approvals/actions.js';
import { signatureProblem } from '../src/approvals/verify.js';
import type { Actor } from '../src/domain/evidence.js';
import { SA_APP, SA_STAGE, SA_STATUS, SA_VERSION } from '../src/temporal/search-attributes.js';
import type { OrchestrationActivities, StageActivities } from '../activities/contracts.js';
import { deployTaskQueue, ORCHESTRATION_TASK_QUEUE } from '../src/domain/task-queues.js';
import { formatOperationKey } from '../src/domain/operation-key.js';
import { versionToRestoreFrom } from '../src/domain/rollback-rule.js';
import {
  LOCAL_ACTIVITY_OPTIONS,
  RESOLVE_ACTIVITY_OPTIONS,
  STAGE_ACTIVITY_OPTIONS,
} from '../src/domain/activity-options.js';
import { EvidenceTrail, SYSTEM_ACTOR } from './evidence-trail.js';
import { lockAnswerSignal, stateQuery } from './messages.js';
import { awaitStageLock, type LockAnswer } from './stage-lock.js';
import { awaitConfirmedLock, confirmsWithLedger } from './lock-confirm.js';
import { RECORDED_REFUSALS } from './refusals.js';
import type { PromotionState, PromotionStatus, ServingState } from './types.js';

export interface RollbackInput {
  /** Also the workflow id and the id of the rollback's evidence chain. */
  rollbackId: string;
  request: Signed<RollbackAction>;
  pipeline: string;
  /** Rollbacks recorded before SIGNED_ROLLBACK only: who may roll back, as the client said. */
  operatorGroups?: string[];
  /** Rollbacks recorded before SIGNED_ROLLBACK only: keys and groups, as the client said. */
  trust?: TrustSnapshot;
  /** Queue of the orchestration activities. Default `tollgate`. */
  taskQueue?: string;
  /** The stage's deploy activities run on `<prefix><stage>`. Default `tollgate-deploy-`. */
  deployQueuePrefix?: string;
}

export type RollbackStatus = Extract<PromotionStatus, 'rolled-back' | 'rejected' | 'failed'>;

export interface RollbackResult {
  status: RollbackStatus;
  outcome: string;
  /**
   * Why it did not roll back: `refused` (signature or authority), `locked` (a promotion holds the
   * stage), `nothing-to-restore` (the app is not deployed there, or has no other version).
   */
  problem?: 'refused' | 'locked' | 'nothing-to-restore';
  from?: string;
  restored?: string;
  evidenceRecords: number;
}

/**
 * patched() id: the operator groups and keys come from the orchestration worker's config (not
 * the input), and the stage worker checks the signed request itself before it rolls back.
 */
export const SIGNED_ROLLBACK = 'signed-rollback';

/** Why the request must be refused, or undefined when it is signed by an operator for this rollback. */
export function rollbackProblem(
  input: RollbackInput,
  authority: { operatorGroups: string[]; trust: TrustSnapshot },
): string | undefined {
  const { payload } = input.request;
  if (payload?.kind !== 'rollback') return 'not a rollback request';
  if (payload.promotionId !== input.rollbackId)
    return `request is for ${payload.promotionId}, not ${input.rollbackId}`;
  const signature = signatureProblem(input.request, authority.trust);
  if (signature) return signature;
  const principal = authority.trust.principals.find((p) => p.id === payload.actor);
  if (!principal?.groups.some((g) => authority.operatorGroups.includes(g)))
    return `${payload.actor} may not roll back: only operators may (${authority.operatorGroups.join(', ') || 'no operator groups configured'} in pipeline ${input.pipeline})`;
  return undefined;
}

const { resolveRollback } =
  proxyActivities<Pick<OrchestrationActivities, 'resolveRollback'>>(RESOLVE_ACTIVITY_OPTIONS);

const coordination =
  proxyLocalActivities<
    Pick<
      OrchestrationActivities,
      'requestStageLock' | 'confirmStageLock' | 'releaseStageLock' | 'sealPromotion'
    >
  >(LOCAL_ACTIVITY_OPTIONS);

export async function rollback(input: RollbackInput): Promise<RollbackResult> {
  const request = input.request.payload;
  const { app, stage } = request;
  const workflowId = workflowInfo().workflowId;
  const evidence = new EvidenceTrail(input.rollbackId);
  const stageActivities = proxyActivities<StageActivities>({
    ...STAGE_ACTIVITY_OPTIONS,
    taskQueue: deployTaskQueue(stage, input.deployQueuePrefix),
  });
  const state: PromotionState = {
    promotionId: input.rollbackId,
    app,
    version: request.toVersion ?? 'previous',
    releaseDigest: '',
    pipeline: input.pipeline,
    requester: request.actor,
    status: 'running',
    currentStage: stage,
    paused: false,
    stages: [{ name: stage, status: 'running' }],
    timeline: [],
  };
  const log = (type: string, summary: string) =>
    state.timeline.push({ at: new Date().toISOString(), type, summary, stage });
  let lockAnswer: LockAnswer | undefined;
  setHandler(stateQuery, () => state);
  setHandler(lockAnswerSignal, (answer) => {
    if (answer.stage === stage) lockAnswer = answer;
  });
  upsertSearchAttributes([
    { key: SA_APP, value: app },
    { key: SA_STAGE, value: stage },
    { key: SA_STATUS, value: 'running' },
  ]);

  const signed = patched(SIGNED_ROLLBACK);
  const authority = signed
    ? await resolveRollback({ pipeline: input.pipeline })
    : { operatorGroups: input.operatorGroups ?? [], trust: input.trust ?? { principals: [], keys: {} } };
  const problem = 'refused' in authority ? authority.refused : rollbackProblem(input, authority);
  const actor: Actor = problem
    ? SYSTEM_ACTOR
    : { id: request.actor, channel: request.channel, verifiedBy: `ed25519:${input.request.keyId}` };
  await evidence.add(
    'rollback.requested',
    {
      app,
      stage,
      pipeline: input.pipeline,
      requestedBy: request.actor,
      toVersion: request.toVersion ?? null,
      reason: request.reason ?? null,
      request,
      keyId: input.request.keyId,
      signature: input.request.signature,
    },
    { stage, actor },
  );
  log('rollback.requested', `${request.actor} asked to roll back ${app} at ${stage}`);
  if (problem) {
    await evidence.add(
      'security.refused',
      { reason: problem, command: 'rollback', actor: request.actor, status: 'rejected', outcome: problem },
      { stage },
    );
    return finish('rejected', problem, { problem: 'refused' });
  }

  state.gate = 'lock';
  const requestLock = (grant: { grantOnStart?: true; acquire?: true }) =>
    coordination.requestStageLock({
      app,
      stage,
      promotionId: input.rollbackId,
      workflowId,
      mode: 'reject',
      ...grant,
    });
  let refusedAnswers = 0;
  const answer = confirmsWithLedger()
    ? await awaitConfirmedLock({
        mode: 'reject',
        request: () => requestLock({ grantOnStart: true, acquire: true }),
        confirm: () => coordination.confirmStageLock({ app, stage, promotionId: input.rollbackId }),
        answered: () => lockAnswer,
        clear: () => (lockAnswer = undefined),
        refused: async (hint, reason) => {
          if (refusedAnswers++ >= RECORDED_REFUSALS) return;
          await evidence.add('security.refused', { refusal: 'lockAnswer', reason, message: hint }, { stage });
        },
      })
    : await awaitStageLock(requestLock, () => lockAnswer);
  if (!answer.granted) {
    const heldBy = answer.heldBy ?? 'another promotion';
    const outcome = `${app} is being promoted to ${stage} by ${heldBy}: abort it first (tollgate abort ${heldBy}) or roll back when it has finished`;
    await evidence.add('lock.refused', { heldBy, mode: 'reject', status: 'failed', outcome }, { stage });
    return finish('failed', outcome, { problem: 'locked' });
  }
  try {
    await evidence.add('lock.acquired', { mode: 'reject' }, { stage });
    // Once it holds the stage, a rollback runs to its recorded end: cancelling the workflow must
    // not leave the stage half restored or the chain without its outcome.
    return await CancellationScope.nonCancellable(restore);
  } finally {
    await CancellationScope.nonCancellable(() =>
      coordination.releaseStageLock({ app, stage, promotionId: input.rollbackId, workflowId }),
    );
  }

  async function restore(): Promise<RollbackResult> {
    state.gate = 'rollback';
    const before = await stageActivities.servingState({ app, stage });
    const from = before.canary?.version ?? before.stable?.version;
    // The same choice the targets make, made here so it is recorded.
    const to = versionToRestoreFrom(before, request.toVersion);
    const nothing = !from
      ? `${app} is not deployed at ${stage}: nothing to roll back`
      : !to
        ? `${app} at ${stage} has no earlier version to return to (serving ${from}); name one with --to`
        : to === from && !before.canary
          ? `${app} at ${stage} already serves ${from}`
          : undefined;
    if (nothing) {
      await evidence.add(
        'rollback.failed',
        {
          reason: request.reason ?? null,
          from: from ?? null,
          error: nothing,
          status: 'failed',
          outcome: nothing,
        },
        { stage },
      );
      return finish('failed', nothing, { problem: 'nothing-to-restore', ...(from ? { from } : {}) });
    }
    state.version = to!;
    upsertSearchAttributes([{ key: SA_VERSION, value: to! }]);
    let serving: ServingState;
    try {
      // `restore`, not `rollback`: a rollback key tells the stage activity a deploy of this id failed.
      serving = await stageActivities.rollback({
        key: formatOperationKey({ promotionId: input.rollbackId, stage, op: 'restore' }),
        app,
        stage,
        toVersion: to!,
        ...(signed ? { proof: { rollback: input.request, pipeline: input.pipeline } } : {}),
      });
    } catch (err) {
      const outcome = `rolling back ${app} at ${stage} to ${to} failed: ${err instanceof Error ? err.message : String(err)}`;
      await evidence.add(
        'rollback.failed',
        { reason: request.reason ?? null, from: from!, error: outcome, status: 'failed', outcome },
        { stage },
      );
      return finish('failed', outcome, { from: from! });
    }
    const restored = serving.stable?.version;
    const outcome = `${app} at ${stage} rolled back from ${from} to ${restored ?? to} by ${request.actor}${request.reason ? `: ${request.reason}` : ''}`;
    state.stages[0]!.deploy = { version: restored ?? to!, serving };
    state.stages[0]!.rollback = {
      reason: request.reason ?? 'operator rollback',
      ok: true,
      ...(restored ? { restored } : {}),
    };
    await evidence.add(
      'rollback.completed',
      {
        reason: request.reason ?? null,
        from: from!,
        restored: restored ?? null,
        serving,
        requestedBy: request.actor,
        status: 'rolled-back',
        outcome,
      },
      { stage, actor },
    );
    return finish('rolled-back', outcome, { from: from!, ...(restored ? { restored } : {}) });
  }

  async function finish(
    status: RollbackStatus,
    outcome: string,
    extra: Pick<RollbackResult, 'problem' | 'from' | 'restored'>,
  ): Promise<RollbackResult> {
    state.status = status;
    state.outcome = outcome;
    state.gate = undefined;
    state.stages[0]!.status = status === 'rolled-back' ? 'rolled-back' : 'failed';
    log(`rollback.${status}`, outcome);
    upsertSearchAttributes([{ key: SA_STATUS, value: status }]);
    await coordination.sealPromotion({ promotionId: input.rollbackId });
    await startChild('archivePromotion', {
      workflowId: `${workflowId}-archive`,
      args: [{ promotionId: input.rollbackId, workflowId, runId: workflowInfo().runId }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      taskQueue: input.taskQueue ?? ORCHESTRATION_TASK_QUEUE,
    });
    return { status, outcome, ...extra, evidenceRecords: evidence.count };
  }
}
