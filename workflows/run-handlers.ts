/**
 * The messages a running promotion answers: votes, controls, waivers (signed updates), freezes,
 * supersede notices and stage-lock answers (signals). Each handler checks with a pure rule
 * (approval-rules, control-rules, waiver-rules, freeze-rules, message-checks), records what it
 * accepted or refused, and changes the promotion through PromotionRun's methods.
 */
import { setHandler } from '@temporalio/workflow';
import type { Actor } from '../src/domain/evidence.js';
import type {
  ControlAction,
  FreezeAction,
  Signed,
  VoteAction,
  WaiverAction,
} from '../src/approvals/actions.js';
import { eligibleGroups, voteProblem } from './approval-rules.js';
import { controlProblem } from './control-rules.js';
import { waiverProblem } from './waiver-rules.js';
import { freezeProblem, freezeSignalProblem } from './freeze-rules.js';
import { supersedeProblem } from './message-checks.js';
import {
  controlUpdate,
  freezeSignal,
  lockAnswerSignal,
  stateQuery,
  supersededSignal,
  voteUpdate,
  waiveUpdate,
} from './messages.js';
import type { PromotionRun } from './run.js';

export function registerHandlers(run: PromotionRun): void {
  setHandler(stateQuery, () => run.state);
  setHandler(
    voteUpdate,
    async (signed) => {
      const problem = voteProblemOf(run, signed);
      if (problem) return run.refusals.refuse('vote', problem, signed, run.approvalStage);
      return vote(run, signed);
    },
    { validator: (signed: Signed<VoteAction>) => run.refusals.screen(voteProblemOf(run, signed)) },
  );
  setHandler(
    controlUpdate,
    async (signed) => {
      const problem = controlProblemOf(run, signed);
      if (problem) return run.refusals.refuse('control', problem, signed, run.state.currentStage);
      return control(run, signed);
    },
    { validator: (signed: Signed<ControlAction>) => run.refusals.screen(controlProblemOf(run, signed)) },
  );
  setHandler(
    waiveUpdate,
    async (signed) => {
      const problem = waiverProblemOf(run, signed);
      if (problem) return run.refusals.refuse('waiver', problem, signed, run.state.currentStage);
      return waive(run, signed);
    },
    { validator: (signed: Signed<WaiverAction>) => run.refusals.screen(waiverProblemOf(run, signed)) },
  );
  setHandler(freezeSignal, (signed) => applyFreeze(run, signed));
  setHandler(supersededSignal, async (message) => {
    const trusted = run.input.trusted;
    const problem = trusted
      ? supersedeProblem(message, {
          trust: run.input.trust,
          app: run.input.release.app,
          pipeline: run.input.pipeline.name,
          onConflict: run.input.pipeline.onConflict,
          start: trusted.start,
        })
      : undefined;
    if (problem) return run.refusals.record('superseded', problem, message, run.state.currentStage);
    const { by } = message;
    run.requestAbort({ by, reason: `superseded by promotion ${by}`, superseded: true });
  });
  setHandler(lockAnswerSignal, (answer) => run.locks.answer(answer));
}

/** At start: a freeze that began before this promotion existed still holds it. */
export async function applyLineStatus(run: PromotionRun): Promise<void> {
  const line = await run.coordination.lineStatus();
  if (line.freeze) applyFreeze(run, line.freeze);
}

function actorOf(
  action: { actor: string; channel: Actor['channel']; chatIdentity?: Actor['chatIdentity'] },
  keyId: string,
): Actor {
  return {
    id: action.actor,
    channel: action.channel,
    verifiedBy: `ed25519:${keyId}`,
    ...(action.chatIdentity ? { chatIdentity: action.chatIdentity } : {}),
  };
}

// ——— votes ———

function voteProblemOf(run: PromotionRun, signed: Signed<VoteAction>): string | undefined {
  const waiting = run.approvalStage;
  return voteProblem(signed, {
    promotionId: run.input.promotionId,
    waitingStage: waiting,
    rule: waiting ? run.stage(waiting).approval : undefined,
    releaseDigest: run.input.releaseDigest,
    policyResultHash: run.policyResultHash,
    requester: run.requester,
    commitAuthors: run.input.release.commitAuthors,
    votes: waiting ? (run.stageState(waiting).approval?.votes ?? []) : [],
    trust: run.input.trust,
  });
}

async function vote(run: PromotionRun, signed: Signed<VoteAction>) {
  const vote = signed.payload;
  const approval = run.stageState(vote.stage).approval!;
  const record = {
    approver: vote.actor,
    decision: vote.decision,
    channel: vote.channel,
    groups: eligibleGroups(vote.actor, run.stage(vote.stage).approval!, run.input.trust),
    at: new Date().toISOString(),
    keyId: signed.keyId,
    ...(vote.comment ? { comment: vote.comment } : {}),
  };
  run.addVote(vote.stage, record, signed);
  run.log('approval.vote', `${vote.actor} voted ${vote.decision} via ${vote.channel}`, vote.stage);
  await run.evidence.add(
    'approval.vote',
    {
      ...record,
      releaseDigest: vote.releaseDigest,
      policyResultHash: vote.policyResultHash,
      signature: signed.signature,
    },
    { stage: vote.stage, actor: actorOf(vote, signed.keyId) },
  );
  const approvals = approval.votes.filter((v) => v.decision === 'approve').length;
  return {
    accepted: true as const,
    stage: vote.stage,
    tally: { approvals, quorum: approval.quorum },
    votes: approval.votes,
  };
}

// ——— controls: pause, resume, abort, promote-now, canary decisions ———

function controlProblemOf(run: PromotionRun, signed: Signed<ControlAction>): string | undefined {
  const current = run.state.currentStage;
  return controlProblem(signed, {
    promotionId: run.input.promotionId,
    trust: run.input.trust,
    requester: run.requester,
    operatorGroups: run.input.pipeline.operatorGroups,
    status: run.state.status,
    ...(run.state.gate ? { gate: run.state.gate } : {}),
    paused: run.paused,
    aborting: run.aborting,
    ...(current
      ? {
          current: {
            approverGroups: run.stage(current).approval?.groups ?? [],
            state: run.stageState(current),
          },
        }
      : {}),
  });
}

async function control(
  run: PromotionRun,
  signed: Signed<ControlAction>,
): Promise<{ accepted: true; command: string }> {
  const action = signed.payload;
  const actor = actorOf(action, signed.keyId);
  const data = { command: action.command, reason: action.reason ?? null };
  const stage = run.state.currentStage;
  run.log(
    `control.${action.command}`,
    `${action.actor} ${action.command}${action.reason ? `: ${action.reason}` : ''}`,
    stage,
  );
  switch (action.command) {
    case 'pause':
      run.setPaused(true);
      await run.evidence.add('control.paused', data, { actor, ...(stage ? { stage } : {}) });
      break;
    case 'resume':
      run.setPaused(false);
      await run.evidence.add('control.resumed', data, { actor, ...(stage ? { stage } : {}) });
      break;
    case 'abort':
      run.requestAbort({ by: action.actor, ...(action.reason ? { reason: action.reason } : {}) });
      break;
    case 'promote-now':
      run.requestPromoteNow();
      await run.evidence.add('control.promote-now', data, { actor, ...(stage ? { stage } : {}) });
      break;
    case 'continue':
    case 'rollback':
      run.decideCanary(action.command);
      await run.evidence.add(
        'canary.decision',
        {
          decision: action.command,
          by: action.actor,
          reason: action.reason ?? null,
          ...(action.step !== undefined ? { step: action.step } : {}),
        },
        { actor, ...(stage ? { stage } : {}) },
      );
      break;
  }
  return { accepted: true, command: action.command };
}

// ——— waivers (break-glass) ———

function waiverProblemOf(run: PromotionRun, signed: Signed<WaiverAction>): string | undefined {
  return waiverProblem(signed, {
    promotionId: run.input.promotionId,
    stages: run.input.pipeline.stages.map((s) => s.name),
    trust: run.input.trust,
    waiverGroups: run.input.pipeline.waiverGroups,
    requester: run.requester,
    now: Date.now(),
  });
}

async function waive(
  run: PromotionRun,
  signed: Signed<WaiverAction>,
): Promise<{ accepted: true; waives: string[] }> {
  const waiver = signed.payload;
  run.addWaiver(signed);
  run.log(
    'waiver.granted',
    `${waiver.actor} waived ${waiver.waives.join(', ')}: ${waiver.justification}`,
    waiver.stage,
  );
  await run.evidence.add(
    'waiver.granted',
    {
      waives: waiver.waives,
      justification: waiver.justification,
      expiresAt: waiver.expiresAt,
      by: waiver.actor,
      signature: signed.signature,
    },
    { stage: waiver.stage, actor: actorOf(waiver, signed.keyId), controls: ['ISO27001:A.5.31'] },
  );
  return { accepted: true, waives: waiver.waives };
}

// ——— stop-the-line freeze ———

function applyFreeze(run: PromotionRun, signed: Signed<FreezeAction>): void {
  const inForce = run.freezeIssuedAt;
  if (run.input.trusted) {
    const problem = freezeProblem(signed, {
      trust: run.input.trust,
      operatorGroups: run.input.pipeline.operatorGroups,
      ...(inForce ? { inForceIssuedAt: inForce } : {}),
    });
    if (problem) {
      void run.refusals.record('freeze', problem, signed, run.state.currentStage);
      return;
    }
    run.freezeActionInForce(signed.payload.issuedAt);
  }
  const action = signed.payload;
  const problem = freezeSignalProblem(signed, {
    trust: run.input.trust,
    operatorGroups: run.input.pipeline.operatorGroups,
  });
  if (problem) {
    void run.evidence.add('security.refused', {
      reason: `freeze signal ignored: ${problem}`,
      channel: action.channel,
      actor: action.actor,
    });
    return;
  }
  run.setFrozen(action.frozen ? { reason: action.reason, by: action.actor } : undefined);
  run.log(action.frozen ? 'freeze.held' : 'freeze.lifted', `${action.actor}: ${action.reason}`);
}
