/**
 * A promotion: one release through its pipeline. For every stage it pays the tolls — stage
 * lock, policy (or a waiver), change window, stop-the-line freeze, approval — then deploys,
 * runs the canary, and promotes or rolls back. Every step leaves an evidence record.
 *
 * Handlers are registered first (run-handlers.ts), the gates are in gates.ts; the process below
 * reads top to bottom.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Stage } from '../src/config/schema.js';
import { SA_APP, SA_STAGE, SA_STATUS, SA_VERSION } from '../src/temporal/search-attributes.js';
import { controlUpdate, stateQuery, voteUpdate, waiveUpdate } from './messages.js';
import { FINAL_STATE_MEMO } from './query-names.js';
import { FINAL_STATE_IN_MEMO, PromotionRun } from './run.js';
import { applyLineStatus, registerHandlers } from './run-handlers.js';
import { approvalGate, policyGate, preDeployGates, rollbackStage } from './gates.js';
import { terminalType } from './terminal-record.js';
import { runCanary } from './canary.js';
import { attestStage } from './attest.js';
import { resolveStart } from './start.js';
import { EvidenceTrail } from './evidence-trail.js';
import { ADMISSION_REFUSED } from './admission-refused.js';
import type {
  PromotionInput,
  PromotionResult,
  PromotionStart,
  PromotionState,
  PromotionStatus,
  RunInput,
  StageStop,
} from './types.js';

/**
 * patched() id: promotions take a signed start and get their pipeline and trust from the
 * orchestration worker's config; every stage is attested before its worker deploys. Promotions
 * recorded before it took their trust from the input, and replay that way.
 */
export const SIGNED_START = 'signed-start';

export async function promotion(input: PromotionInput | PromotionStart): Promise<PromotionResult> {
  if (!patched(SIGNED_START)) return promote(input as PromotionInput);
  const starting = startingState(input as PromotionStart);
  setHandler(stateQuery, () => starting);
  // Messages that arrive while the start is checked are refused with a reason, not dropped
  // (PromotionRun replaces these handlers once the promotion runs).
  const notYet = (_action: unknown): void => {
    throw new Error('no stage is waiting for approval: the promotion is still checking its start request');
  };
  const refuse = (_action: unknown) => Promise.reject(new Error('the promotion has not started'));
  setHandler(voteUpdate, refuse, { validator: notYet });
  setHandler(controlUpdate, refuse, { validator: notYet });
  setHandler(waiveUpdate, refuse, { validator: notYet });
  const resolved = await resolveStart(input as PromotionStart);
  if ('refused' in resolved) return refuseStart(resolved.promotionId, resolved.refused, starting);
  return promote(resolved.input);
}

/** What the `state` query shows while the start is being checked: nothing in it is verified yet. */
function startingState(input: PromotionStart): PromotionState {
  const claimed = (input?.release ?? {}) as Partial<PromotionStart['release']>;
  return {
    promotionId: workflowInfo().workflowId,
    app: String(claimed.app ?? ''),
    version: String(claimed.version ?? ''),
    releaseDigest: '',
    pipeline: String(input?.request?.payload?.pipeline ?? ''),
    requester: '',
    status: 'running',
    paused: false,
    stages: [],
    timeline: [],
  };
}

/** A start that cannot be believed: recorded under the workflow's own id, and nothing runs. */
async function refuseStart(
  promotionId: string,
  reason: string,
  state: PromotionState,
): Promise<PromotionResult> {
  const evidence = new EvidenceTrail(promotionId);
  upsertSearchAttributes([{ key: SA_STATUS, value: 'failed' }]);
  const outcome = `promotion refused: ${reason}`;
  state.status = 'failed';
  state.outcome = outcome;
  await evidence.add('security.refused', { refusal: 'start', reason });
  await evidence.add('promotion.failed', { status: 'failed', outcome });
  return { status: 'failed', outcome, stages: [], evidenceRecords: evidence.count };
}

async function promote(input: RunInput): Promise<PromotionResult> {
  const run = new PromotionRun(input);
  registerHandlers(run);
  if (input.trusted) {
    // Anyone with namespace access can request a cancel: for a signed promotion it is a refused
    // action, recorded, and the promotion goes on. Aborting is the signed control update.
    CancellationScope.current().cancelRequested.catch(
      () =>
        void run.refusals.record(
          'cancel',
          'a Temporal cancel request is not an abort: abort with the signed control update (tollgate abort)',
          null,
        ),
    );
    return CancellationScope.nonCancellable(() => drive(run));
  }
  return drive(run);
}

async function drive(run: PromotionRun): Promise<PromotionResult> {
  const { input } = run;
  upsertSearchAttributes([
    { key: SA_APP, value: input.release.app },
    { key: SA_VERSION, value: input.release.version },
    { key: SA_STATUS, value: 'running' },
  ]);
  await run.evidence.add('promotion.started', {
    release: input.release,
    releaseDigest: input.releaseDigest,
    pipeline: input.pipeline.name,
    stages: input.pipeline.stages.map((s) => s.name),
    ...(input.trusted
      ? {
          requester: input.trusted.requester,
          configDigest: input.trusted.configDigest,
          start: input.trusted.start,
          // Only the signer is verified; the manifest's names are what it claims.
          claimed: { requester: input.release.requester, commitAuthors: input.release.commitAuthors },
        }
      : {}),
  });
  await applyLineStatus(run);

  let status: Exclude<PromotionStatus, 'running'> = 'succeeded';
  let outcome = `${input.release.app} ${input.release.version} promoted through ${input.pipeline.stages.map((s) => s.name).join(' → ')}`;
  try {
    for (const stage of input.pipeline.stages) {
      const stop = await runStage(run, stage);
      if (stop) {
        status = stop.status;
        outcome = stop.outcome;
        break;
      }
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    status = 'aborted';
    outcome = 'the promotion was cancelled';
  }
  return CancellationScope.nonCancellable(() => finish(run, status, outcome));
}

/** Runs one stage; returns why the promotion stops here, or undefined to go on. */
async function runStage(run: PromotionRun, stage: Stage): Promise<StageStop | undefined> {
  const state = run.enterStage(stage);
  upsertSearchAttributes([{ key: SA_STAGE, value: stage.name }]);
  await run.evidence.add('stage.entered', {}, { stage: stage.name });

  const scope = new CancellationScope();
  run.cancelOnAbort(scope);
  let deployed = false;
  try {
    return await scope.run(async () => {
      run.setGate('lock');
      const lockStop = await run.locks.acquire(stage);
      if (lockStop) return lockStop;

      const policyStop = await policyGate(run, stage);
      if (policyStop) return policyStop;

      const approvalStop = await approvalGate(run, stage);
      if (approvalStop) return approvalStop;

      await preDeployGates(run, stage);
      const admitted = await attestStage(run, stage, 'admitted');
      if (admitted) return admitted;

      run.setGate('deploy');
      run.markDeployStarted(stage);
      const serving = await run.stageActivities(stage).deploy({
        ...run.operation(stage, 'deploy'),
        version: run.input.release.version,
        artifacts: run.input.release.artifacts,
        mode: stage.canary ? 'canary' : 'replace',
      });
      deployed = true;
      state.deploy = { version: run.input.release.version, serving };
      await run.evidence.add(
        'deploy.completed',
        { version: run.input.release.version, serving },
        { stage: stage.name },
      );

      if (stage.canary) {
        const canaryStop = await runCanary(run, stage, stage.canary);
        if (canaryStop) {
          await rollbackStage(run, stage, canaryStop.outcome);
          return canaryStop;
        }
      }
      const passed = await attestStage(run, stage, 'passed');
      if (passed) return passed;
      state.status = 'succeeded';
      await run.evidence.add(
        'stage.completed',
        { version: run.input.release.version },
        { stage: stage.name },
      );
      return undefined;
    });
  } catch (err) {
    if (isCancellation(err) || run.aborting) {
      const stop = run.stopForAbort();
      if (deployed || run.deployStarted(stage))
        await CancellationScope.nonCancellable(() => rollbackStage(run, stage, stop.outcome));
      state.status = deployed ? 'rolled-back' : 'failed';
      return stop;
    }
    if (admissionRefused(err)) {
      // The stage worker refused before touching its target: there is nothing to roll back.
      const reason = errorMessage(err);
      state.status = 'failed';
      await run.evidence.add(
        'security.refused',
        { refusal: 'stage-admission', reason },
        { stage: stage.name },
      );
      return { status: 'failed', outcome: reason };
    }
    if (run.deployStarted(stage)) {
      // The deploy (or a canary step) failed after its retries: restore the previous version.
      const reason = `deploy to ${stage.name} failed: ${errorMessage(err)}`;
      await CancellationScope.nonCancellable(() => rollbackStage(run, stage, reason));
      return { status: 'rolled-back', outcome: reason };
    }
    state.status = 'failed';
    return { status: 'failed', outcome: `stage ${stage.name} failed: ${errorMessage(err)}` };
  } finally {
    run.leaveStage();
    await CancellationScope.nonCancellable(() => run.locks.release(stage));
  }
}

async function finish(
  run: PromotionRun,
  status: Exclude<PromotionStatus, 'running'>,
  outcome: string,
): Promise<PromotionResult> {
  run.end(status, outcome);
  upsertSearchAttributes([{ key: SA_STATUS, value: status }]);
  await run.evidence.add(terminalType(status), { status, outcome });
  run.notify(
    status === 'succeeded' ? 'completed' : status === 'rolled-back' ? 'rolled-back' : 'failed',
    undefined,
    outcome,
  );
  await run.coordination.sealPromotion({ promotionId: run.input.promotionId });
  await run.flushNotifications();
  await startChild('archivePromotion', {
    workflowId: `${workflowInfo().workflowId}-archive`,
    args: [
      {
        promotionId: run.input.promotionId,
        workflowId: workflowInfo().workflowId,
        runId: workflowInfo().runId,
      },
    ],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    taskQueue: run.orchestrationQueue,
  });
  // Last, with no await after it: the memo holds exactly what the state query answers from now on.
  if (patched(FINAL_STATE_IN_MEMO)) upsertMemo({ [FINAL_STATE_MEMO]: run.state });
  return {
    status,
    outcome,
    stages: run.state.stages.map((s) => ({ name: s.name, status: s.status })),
    evidenceRecords: run.evidence.count,
  };
}

function admissionRefused(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === ADMISSION_REFUSED
  );
}

function errorMessage(err: unknown): string {
  if (err instanceof Error)
    return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
  return String(err);
}
