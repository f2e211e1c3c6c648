/**
 * The gates a stage passes before its deploy — policy (or a waiver), approval, then the freeze,
 * the change window and pause — and the rollback that restores a stage. Each returns why the
 * promotion stops, or undefined to go on.
 */
import { condition } from '@temporalio/workflow';
import type { Stage } from '../src/config/schema.js';
import { durationMs } from '../src/domain/duration.js';
import { approvalDecision } from './approval-rules.js';
import { isWindowOpen, nextWindowOpening } from './change-windows.js';
import type { PromotionRun } from './run.js';
import type { StageStop } from './types.js';

export async function policyGate(run: PromotionRun, stage: Stage): Promise<StageStop | undefined> {
  run.setGate('policy');
  const evaluation = await run.orchestration.evaluatePolicy({
    promotionId: run.input.promotionId,
    stage: stage.name,
    release: run.input.release,
    releaseDigest: run.input.releaseDigest,
    packs: stage.policy.packs,
    time: new Date().toISOString(),
  });
  const failed = evaluation.rules
    .filter((r) => r.outcome === 'fail' || r.outcome === 'error')
    .map((r) => r.ruleId);
  const state = run.stageState(stage.name);
  state.policy = {
    passed: evaluation.passed,
    resultHash: evaluation.resultHash,
    failedRules: failed,
    waived: [],
  };
  run.recordPolicyResult(stage.name, evaluation.resultHash, evaluation.seal);
  await run.evidence.add('policy.evaluated', evaluation, {
    stage: stage.name,
    controls: evaluation.rules.flatMap((r) => r.controls),
  });
  if (evaluation.passed) return undefined;

  // A failed rule stops the promotion unless an authorized approver waives it (break-glass).
  run.setGate('waiver');
  const timeout = durationMs(stage.approval?.timeout ?? '24h');
  const waived = await condition(() => run.unwaived(stage.name, failed).length === 0, timeout);
  state.policy.waived = failed.filter((id) => run.activeWaiver(stage.name, id));
  if (waived) return undefined;
  return {
    status: 'failed',
    outcome: `policy failed at ${stage.name}: ${run.unwaived(stage.name, failed).join(', ')} (no waiver)`,
  };
}

export async function approvalGate(run: PromotionRun, stage: Stage): Promise<StageStop | undefined> {
  const rule = stage.approval;
  if (!rule) return undefined;
  const state = run.stageState(stage.name);
  const deadline = new Date(Date.now() + durationMs(rule.timeout)).toISOString();
  state.approval = {
    quorum: rule.quorum,
    groups: rule.groups,
    distinctGroups: rule.distinctGroups,
    votes: [],
    deadline,
  };
  await run.evidence.add(
    'approval.requested',
    {
      quorum: rule.quorum,
      groups: rule.groups,
      distinctGroups: rule.distinctGroups,
      deadline,
      releaseDigest: run.input.releaseDigest,
      policyResultHash: run.policyResultHash,
    },
    { stage: stage.name },
  );
  run.setGate('approval');
  run.notify('approval-requested', stage.name, `${stage.name} is waiting for ${rule.quorum} approval(s)`);
  const decided = await condition(
    () => approvalDecision(state.approval!.votes, rule) !== 'pending',
    durationMs(rule.timeout),
  );
  run.approvalClosed(stage.name);
  if (!decided) {
    run.notify('expired', stage.name, `approval of ${stage.name} expired after ${rule.timeout}`);
    return { status: 'expired', outcome: `approval of ${stage.name} expired after ${rule.timeout}` };
  }
  if (approvalDecision(state.approval.votes, rule) === 'rejected') {
    const rejecter = state.approval.votes.find((v) => v.decision === 'reject')!;
    const outcome = `rejected at ${stage.name} by ${rejecter.approver}${rejecter.comment ? `: ${rejecter.comment}` : ''}`;
    run.notify('rejected', stage.name, outcome);
    return { status: 'rejected', outcome };
  }
  await run.evidence.add('approval.granted', { votes: state.approval.votes }, { stage: stage.name });
  run.notify(
    'approved',
    stage.name,
    `${stage.name} approved by ${state.approval.votes.map((v) => v.approver).join(', ')}`,
  );
  return undefined;
}

/** Holds before a deploy while the line is frozen, outside the change window, or paused. */
export async function preDeployGates(run: PromotionRun, stage: Stage): Promise<void> {
  for (;;) {
    if (run.frozen) {
      run.setGate('freeze');
      await run.evidence.add(
        'freeze.held',
        { reason: run.frozen.reason, by: run.frozen.by },
        { stage: stage.name },
      );
      await condition(() => !run.frozen);
      await run.evidence.add('freeze.lifted', {}, { stage: stage.name });
      continue;
    }
    if (!isWindowOpen(stage.changeWindows, new Date()) && !run.activeWaiver(stage.name, 'change-window')) {
      run.setGate('window');
      const opens = nextWindowOpening(stage.changeWindows, new Date());
      await run.evidence.add(
        'window.waiting',
        { opensAt: opens?.toISOString() ?? null },
        { stage: stage.name },
      );
      const waitMs = opens ? Math.max(opens.getTime() - Date.now(), 1000) : 24 * 3600_000;
      await condition(() => run.activeWaiver(stage.name, 'change-window') || Boolean(run.frozen), waitMs);
      continue;
    }
    if (run.paused) {
      await run.waitWhilePaused();
      continue;
    }
    if (stage.changeWindows.length > 0)
      await run.evidence.add(
        'window.open',
        { waived: !isWindowOpen(stage.changeWindows, new Date()) },
        { stage: stage.name },
      );
    return;
  }
}

/** Restores the stage's previous version. Callers run it where cancellation cannot stop it. */
export async function rollbackStage(run: PromotionRun, stage: Stage, reason: string): Promise<void> {
  run.setGate('rollback');
  const state = run.stageState(stage.name);
  try {
    const serving = await run.stageActivities(stage).rollback(run.operation(stage, 'rollback'));
    state.rollback = { reason, restored: serving.stable?.version, ok: true };
    state.status = 'rolled-back';
    await run.evidence.add(
      'rollback.completed',
      { reason, restored: serving.stable?.version ?? null, serving },
      { stage: stage.name },
    );
    run.notify('rolled-back', stage.name, `${stage.name} rolled back: ${reason}`);
  } catch (err) {
    state.rollback = { reason, ok: false };
    state.status = 'failed';
    await run.evidence.add(
      'rollback.failed',
      { reason, error: err instanceof Error ? err.message : String(err) },
      { stage: stage.name },
    );
  }
}
