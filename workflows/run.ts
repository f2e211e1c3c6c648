/**
 * The state of one running promotion and the handlers that change it: votes, controls,
 * waivers, freezes, stage locks. promotion.ts drives the process; this file answers messages.
 */
import {
  CancellationScope,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Stage } from '../src/config/schema.js';
import type { Actor } from '../src/domain/evidence.js';
import type {
  ControlAction,
  FreezeAction,
  Signed,
  VoteAction,
  WaiverAction,
} from '../src/approvals/actions.js';
import { signatureProblem } from '../src/approvals/verify.js';
import type {
  NotifyRequest,
  OrchestrationActivities,
  PolicySeal,
  StageActivities,
  StageOperation,
} from '../activities/contracts.js';
import { deployTaskQueue, ORCHESTRATION_TASK_QUEUE } from '../src/domain/task-queues.js';
import { formatOperationKey, type StageOp } from '../src/domain/operation-key.js';
import {
  LOCAL_ACTIVITY_OPTIONS,
  NOTIFY_ACTIVITY_OPTIONS,
  ORCHESTRATION_ACTIVITY_OPTIONS,
  STAGE_ACTIVITY_OPTIONS,
} from '../src/domain/activity-options.js';
import { EvidenceTrail } from './evidence-trail.js';
import { Refusals } from './refusals.js';
import { freezeProblem, supersedeProblem } from './message-checks.js';
import { eligibleGroups, voteProblem } from './approval-rules.js';
import {
  controlUpdate,
  freezeSignal,
  lockAnswerSignal,
  stateQuery,
  supersededSignal,
  voteUpdate,
  waiveUpdate,
} from './messages.js';
import { awaitStageLock, type LockAnswer } from './stage-lock.js';
import { awaitConfirmedLock, confirmsWithLedger } from './lock-confirm.js';
import { canaryDecisionProblem } from './canary-decision.js';
import type { DsseEnvelope } from '../src/domain/attestation.js';
import type { Gate, PromotionState, PromotionStatus, RunInput, StageState } from './types.js';

export interface StageStop {
  status: Exclude<PromotionStatus, 'running' | 'succeeded'>;
  outcome: string;
}

/**
 * patched() ids: each guards a change to what a promotion does, so the histories of promotions
 * that ran the earlier code still replay (test/workflow/replay.test.ts).
 */
export const LOCK_ANSWER_BEFORE_REQUEST = 'lock-answer-before-request';
export const FINAL_STATE_IN_MEMO = 'final-state-in-memo';

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

/** The reason a check throws, or undefined when it passes. */
function problemOf(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export class PromotionRun {
  readonly state: PromotionState;
  readonly evidence: EvidenceTrail;
  readonly refusals: Refusals;
  readonly orchestration: OrchestrationActivities;
  /** Quick calls to Temporal itself (locks, line, seal) run as local activities: one marker event each. */
  readonly coordination: Pick<
    OrchestrationActivities,
    'requestStageLock' | 'confirmStageLock' | 'releaseStageLock' | 'lineStatus' | 'sealPromotion'
  >;
  readonly orchestrationQueue: string;
  policyResultHash: string | undefined;
  stageScope: CancellationScope | undefined;
  paused = false;
  abortRequested: { by: string; reason?: string; superseded?: boolean } | undefined;
  frozen: { reason: string; by: string } | undefined;
  /** When the freeze action in force was issued: an older one never undoes it. */
  private freezeIssuedAt: string | undefined;
  promoteNowRequested = false;
  canaryDecision: 'continue' | 'rollback' | undefined;
  private readonly waivers: WaiverAction[] = [];
  private readonly deploysStarted = new Set<string>();
  private readonly stageProxies = new Map<string, StageActivities>();
  private readonly lockRequested = new Set<string>();
  private readonly lockAnswers = new Map<string, LockAnswer>();
  private readonly notifications: Promise<void>[] = [];
  private readonly notifier: Pick<OrchestrationActivities, 'notify'>;
  private approvalOpenFor: string | undefined;
  /** The signer of the start for promotions started by a signed request; else the manifest's claim. */
  readonly requester: string;
  /** Signed promotions only: what a stage attestation is issued from, and the attestations issued. */
  readonly policySeals = new Map<string, PolicySeal>();
  readonly signedVotes = new Map<string, Signed<VoteAction>[]>();
  readonly signedWaivers: Signed<WaiverAction>[] = [];
  readonly attestations: DsseEnvelope[] = [];

  constructor(readonly input: RunInput) {
    this.requester = input.trusted?.requester ?? input.release.requester;
    this.orchestrationQueue = input.taskQueue ?? ORCHESTRATION_TASK_QUEUE;
    this.evidence = new EvidenceTrail(input.promotionId);
    this.refusals = new Refusals(this.evidence, Boolean(input.trusted));
    this.orchestration = proxyActivities<OrchestrationActivities>({
      ...ORCHESTRATION_ACTIVITY_OPTIONS,
      taskQueue: this.orchestrationQueue,
    });
    this.coordination = proxyLocalActivities(LOCAL_ACTIVITY_OPTIONS);
    this.notifier = proxyActivities<Pick<OrchestrationActivities, 'notify'>>({
      ...NOTIFY_ACTIVITY_OPTIONS,
      taskQueue: this.orchestrationQueue,
    });
    this.state = {
      promotionId: input.promotionId,
      app: input.release.app,
      version: input.release.version,
      releaseDigest: input.releaseDigest,
      pipeline: input.pipeline.name,
      requester: this.requester,
      status: 'running',
      paused: false,
      stages: input.pipeline.stages.map((s) => ({ name: s.name, status: 'pending' })),
      timeline: [],
    };
  }

  registerHandlers(): void {
    setHandler(stateQuery, () => this.state);
    setHandler(
      voteUpdate,
      async (signed) => {
        const problem = this.voteProblemOf(signed);
        if (problem) return this.refusals.refuse('vote', problem, signed, this.approvalOpenFor);
        const vote = signed.payload;
        const approval = this.stageState(vote.stage).approval!;
        const record = {
          approver: vote.actor,
          decision: vote.decision,
          channel: vote.channel,
          groups: eligibleGroups(vote.actor, this.stage(vote.stage).approval!, this.input.trust),
          at: new Date().toISOString(),
          keyId: signed.keyId,
          ...(vote.comment ? { comment: vote.comment } : {}),
        };
        approval.votes.push(record);
        if (this.input.trusted)
          this.signedVotes.set(vote.stage, [...(this.signedVotes.get(vote.stage) ?? []), signed]);
        this.log('approval.vote', `${vote.actor} voted ${vote.decision} via ${vote.channel}`, vote.stage);
        await this.evidence.add(
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
          accepted: true,
          stage: vote.stage,
          tally: { approvals, quorum: approval.quorum },
          votes: approval.votes,
        };
      },
      {
        validator: (signed: Signed<VoteAction>) => this.refusals.screen(this.voteProblemOf(signed)),
      },
    );
    setHandler(
      controlUpdate,
      async (signed) => {
        const problem = problemOf(() => this.checkControl(signed));
        if (problem) return this.refusals.refuse('control', problem, signed, this.state.currentStage);
        return this.control(signed);
      },
      {
        validator: (signed: Signed<ControlAction>) =>
          this.refusals.screen(problemOf(() => this.checkControl(signed))),
      },
    );
    setHandler(
      waiveUpdate,
      async (signed) => {
        const problem = problemOf(() => this.checkWaiver(signed));
        if (problem) return this.refusals.refuse('waiver', problem, signed, this.state.currentStage);
        return this.waive(signed);
      },
      {
        validator: (signed: Signed<WaiverAction>) =>
          this.refusals.screen(problemOf(() => this.checkWaiver(signed))),
      },
    );
    setHandler(freezeSignal, (signed) => this.applyFreeze(signed));
    setHandler(supersededSignal, async (message) => {
      const trusted = this.input.trusted;
      const problem = trusted
        ? supersedeProblem(message, {
            trust: this.input.trust,
            app: this.input.release.app,
            pipeline: this.input.pipeline.name,
            onConflict: this.input.pipeline.onConflict,
            start: trusted.start,
          })
        : undefined;
      if (problem) return this.refusals.record('superseded', problem, message, this.state.currentStage);
      const { by } = message;
      this.abortRequested = { by, reason: `superseded by promotion ${by}`, superseded: true };
      this.stageScope?.cancel();
    });
    setHandler(lockAnswerSignal, (answer) => {
      this.lockAnswers.set(answer.stage, {
        granted: answer.granted,
        ...(answer.heldBy ? { heldBy: answer.heldBy } : {}),
      });
    });
  }

  private voteProblemOf(signed: Signed<VoteAction>): string | undefined {
    return voteProblem(signed, {
      promotionId: this.input.promotionId,
      waitingStage: this.approvalOpenFor,
      rule: this.approvalOpenFor ? this.stage(this.approvalOpenFor).approval : undefined,
      releaseDigest: this.input.releaseDigest,
      policyResultHash: this.policyResultHash,
      requester: this.requester,
      commitAuthors: this.input.release.commitAuthors,
      votes: this.approvalOpenFor ? (this.stageState(this.approvalOpenFor).approval?.votes ?? []) : [],
      trust: this.input.trust,
    });
  }

  // ——— stages ———

  stage(name: string): Stage {
    const stage = this.input.pipeline.stages.find((s) => s.name === name);
    if (!stage) throw new Error(`unknown stage ${name}`);
    return stage;
  }

  stageState(name: string): StageState {
    return this.state.stages.find((s) => s.name === name)!;
  }

  enterStage(stage: Stage): StageState {
    this.state.currentStage = stage.name;
    this.policyResultHash = undefined;
    this.promoteNowRequested = false;
    const state = this.stageState(stage.name);
    state.status = 'running';
    this.log('stage.entered', `entered ${stage.name}`, stage.name);
    return state;
  }

  setGate(gate: Gate): void {
    this.state.gate = gate;
    if (gate === 'approval') this.approvalOpenFor = this.state.currentStage;
  }

  /** Votes for `stage` are no longer taken (it was decided or expired). */
  approvalClosed(stage: string): void {
    if (this.approvalOpenFor === stage) this.approvalOpenFor = undefined;
  }

  operation(stage: Stage, op: StageOp, step?: number): StageOperation {
    return {
      key: formatOperationKey({
        promotionId: this.input.promotionId,
        stage: stage.name,
        op,
        ...(step === undefined ? {} : { step }),
      }),
      app: this.input.release.app,
      stage: stage.name,
      // A stage worker checks these itself before it changes its target (activities/admission.ts).
      ...(this.input.trusted ? { proof: { attestations: this.attestations } } : {}),
    };
  }

  stageActivities(stage: Stage): StageActivities {
    let proxy = this.stageProxies.get(stage.name);
    if (!proxy) {
      proxy = proxyActivities<StageActivities>({
        ...STAGE_ACTIVITY_OPTIONS,
        taskQueue: deployTaskQueue(stage.name, this.input.deployQueuePrefix),
      });
      this.stageProxies.set(stage.name, proxy);
    }
    return proxy;
  }

  markDeployStarted(stage: Stage): void {
    this.deploysStarted.add(stage.name);
  }

  deployStarted(stage: Stage): boolean {
    return this.deploysStarted.has(stage.name);
  }

  /** Restores the stage's previous version. Callers run it where cancellation cannot stop it. */
  async rollback(stage: Stage, reason: string): Promise<void> {
    this.setGate('rollback');
    const state = this.stageState(stage.name);
    try {
      const serving = await this.stageActivities(stage).rollback(this.operation(stage, 'rollback'));
      state.rollback = { reason, restored: serving.stable?.version, ok: true };
      state.status = 'rolled-back';
      await this.evidence.add(
        'rollback.completed',
        { reason, restored: serving.stable?.version ?? null, serving },
        { stage: stage.name },
      );
      this.notify('rolled-back', stage.name, `${stage.name} rolled back: ${reason}`);
    } catch (err) {
      state.rollback = { reason, ok: false };
      state.status = 'failed';
      await this.evidence.add(
        'rollback.failed',
        { reason, error: err instanceof Error ? err.message : String(err) },
        { stage: stage.name },
      );
    }
  }

  // ——— stage locks (one promotion per app × stage) ———

  async acquireStageLock(stage: Stage): Promise<StageStop | undefined> {
    this.setGate('lock');
    const mode = this.input.pipeline.onConflict;
    // The lock's answer can arrive before this code runs again: a workflow task that ran the
    // request (a local activity) timed out on an overloaded worker or died with it, the lock
    // answered, and the retried task delivers that answer first. Wiping it waited forever (seen
    // in the 200-promotion benchmark): the lock ignores its holder's repeated request.
    if (!patched(LOCK_ANSWER_BEFORE_REQUEST)) this.lockAnswers.delete(stage.name);
    this.lockRequested.add(stage.name);
    const lock = { app: this.input.release.app, stage: stage.name, promotionId: this.input.promotionId };
    const request = (grant: { grantOnStart?: true; acquire?: true }) =>
      this.coordination.requestStageLock({
        ...lock,
        workflowId: this.workflowId,
        mode,
        ...(this.input.trusted ? { start: this.input.trusted.start } : {}),
        ...grant,
      });
    const answered = () => this.lockAnswers.get(stage.name);
    const answer = confirmsWithLedger()
      ? await awaitConfirmedLock({
          mode,
          request: () => request({ grantOnStart: true, acquire: true }),
          confirm: () => this.coordination.confirmStageLock(lock),
          answered,
          clear: () => this.lockAnswers.delete(stage.name),
          refused: (hint, problem) => this.refusals.record('lockAnswer', problem, hint, stage.name),
        })
      : await awaitStageLock(request, answered);
    if (!answer.granted) {
      await this.evidence.add('lock.refused', { heldBy: answer.heldBy ?? null, mode }, { stage: stage.name });
      return {
        status: 'failed',
        outcome: `${this.input.release.app} is already being promoted to ${stage.name} by ${answer.heldBy} (onConflict: reject)`,
      };
    }
    await this.evidence.add('lock.acquired', { mode }, { stage: stage.name });
    return undefined;
  }

  async releaseStageLock(stage: Stage): Promise<void> {
    // Also sent when still queued (e.g. aborted while waiting), so the lock forgets the request.
    if (!this.lockRequested.delete(stage.name)) return;
    this.lockAnswers.delete(stage.name);
    await this.coordination.releaseStageLock({
      app: this.input.release.app,
      stage: stage.name,
      promotionId: this.input.promotionId,
      workflowId: this.workflowId,
    });
  }

  private get workflowId(): string {
    return this.input.workflowId ?? this.input.promotionId;
  }

  // ——— controls: pause, resume, abort, promote-now, canary decisions ———

  private checkControl(signed: Signed<ControlAction>): void {
    const action = signed.payload;
    const problem = signatureProblem(signed, this.input.trust);
    if (problem) throw new Error(problem);
    if (action.kind !== 'control' || action.promotionId !== this.input.promotionId)
      throw new Error(`control action is for promotion ${action.promotionId}, not ${this.input.promotionId}`);
    if (this.state.status !== 'running') throw new Error(`promotion already ended (${this.state.status})`);
    const operator = this.inGroups(action.actor, this.input.pipeline.operatorGroups);
    const approver = this.state.currentStage
      ? this.inGroups(action.actor, this.stage(this.state.currentStage).approval?.groups ?? [])
      : false;
    const requester = action.actor === this.requester;
    switch (action.command) {
      case 'pause':
      case 'resume':
      case 'abort':
        if (!operator && !requester)
          throw new Error(`${action.actor} may not ${action.command}: not the requester nor an operator`);
        if (action.command === 'pause' && this.paused) throw new Error('promotion is already paused');
        if (action.command === 'resume' && !this.paused) throw new Error('promotion is not paused');
        if (action.command === 'abort' && this.abortRequested)
          throw new Error('promotion is already being aborted');
        return;
      case 'promote-now':
        if (!operator) throw new Error(`${action.actor} may not promote-now: only operators may skip a bake`);
        if (this.state.gate !== 'canary')
          throw new Error('promote-now only applies while a canary is baking');
        return;
      case 'continue':
      case 'rollback':
        if (!operator && !approver)
          throw new Error(`${action.actor} may not decide on the canary: not an approver of this stage`);
        if (action.actor === this.requester)
          throw new Error(
            `segregation of duties: ${action.actor} requested this release and cannot decide on its canary`,
          );
        if (!this.stageState(this.state.currentStage!).canary?.awaitingDecision)
          throw new Error('no inconclusive canary analysis is waiting for a decision');
        {
          const stale = canaryDecisionProblem(action, this.stageState(this.state.currentStage!));
          if (stale) throw new Error(stale);
        }
        return;
    }
  }

  private async control(signed: Signed<ControlAction>): Promise<{ accepted: true; command: string }> {
    const action = signed.payload;
    const actor = actorOf(action, signed.keyId);
    const data = { command: action.command, reason: action.reason ?? null };
    const stage = this.state.currentStage;
    this.log(
      `control.${action.command}`,
      `${action.actor} ${action.command}${action.reason ? `: ${action.reason}` : ''}`,
      stage,
    );
    switch (action.command) {
      case 'pause':
        this.paused = this.state.paused = true;
        await this.evidence.add('control.paused', data, { actor, ...(stage ? { stage } : {}) });
        break;
      case 'resume':
        this.paused = this.state.paused = false;
        await this.evidence.add('control.resumed', data, { actor, ...(stage ? { stage } : {}) });
        break;
      case 'abort':
        this.abortRequested = { by: action.actor, ...(action.reason ? { reason: action.reason } : {}) };
        this.stageScope?.cancel();
        break;
      case 'promote-now':
        this.promoteNowRequested = true;
        await this.evidence.add('control.promote-now', data, { actor, ...(stage ? { stage } : {}) });
        break;
      case 'continue':
      case 'rollback':
        this.canaryDecision = action.command;
        await this.evidence.add(
          'canary.decision',
          {
            decision: action.command,
            by: action.actor,
            reason: action.reason ?? null,
            ...(action.step !== undefined ? { step: action.step } : {}),
          },
          {
            actor,
            ...(stage ? { stage } : {}),
          },
        );
        break;
    }
    return { accepted: true, command: action.command };
  }

  stopForAbort(): StageStop {
    const abort = this.abortRequested;
    if (abort?.superseded) return { status: 'superseded', outcome: abort.reason ?? 'superseded' };
    if (abort)
      return {
        status: 'aborted',
        outcome: `aborted by ${abort.by}${abort.reason ? `: ${abort.reason}` : ''}`,
      };
    return { status: 'aborted', outcome: 'the promotion was cancelled' };
  }

  async waitWhilePaused(): Promise<void> {
    if (!this.paused) return;
    const gate = this.state.gate;
    await condition(() => !this.paused);
    this.state.gate = gate;
  }

  // ——— waivers (break-glass) ———

  private checkWaiver(signed: Signed<WaiverAction>): void {
    const waiver = signed.payload;
    const problem = signatureProblem(signed, this.input.trust);
    if (problem) throw new Error(problem);
    if (waiver.kind !== 'waiver' || waiver.promotionId !== this.input.promotionId)
      throw new Error(`waiver is for promotion ${waiver.promotionId}, not ${this.input.promotionId}`);
    if (!this.input.pipeline.stages.some((s) => s.name === waiver.stage))
      throw new Error(`unknown stage ${waiver.stage}`);
    if (!this.inGroups(waiver.actor, this.input.pipeline.waiverGroups))
      throw new Error(
        `${waiver.actor} may not grant waivers (waiver groups: ${this.input.pipeline.waiverGroups.join(', ') || 'none'})`,
      );
    if (waiver.actor === this.requester)
      throw new Error(
        `segregation of duties: ${waiver.actor} requested this release and cannot waive its gates`,
      );
    const expires = Date.parse(waiver.expiresAt);
    if (Number.isNaN(expires)) throw new Error(`expiresAt ${waiver.expiresAt} is not an ISO-8601 time`);
    if (expires <= Date.now()) throw new Error(`waiver already expired at ${waiver.expiresAt}`);
  }

  private async waive(signed: Signed<WaiverAction>): Promise<{ accepted: true; waives: string[] }> {
    const waiver = signed.payload;
    this.waivers.push(waiver);
    if (this.input.trusted) this.signedWaivers.push(signed);
    this.log(
      'waiver.granted',
      `${waiver.actor} waived ${waiver.waives.join(', ')}: ${waiver.justification}`,
      waiver.stage,
    );
    await this.evidence.add(
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

  activeWaiver(stage: string, id: string): boolean {
    return this.waivers.some(
      (w) => w.stage === stage && w.waives.includes(id) && Date.parse(w.expiresAt) > Date.now(),
    );
  }

  unwaived(stage: string, failedRules: string[]): string[] {
    return failedRules.filter((ruleId) => !this.activeWaiver(stage, ruleId));
  }

  // ——— stop-the-line freeze ———

  /** At start: a freeze that began before this promotion existed still holds it. */
  async applyLineStatus(): Promise<void> {
    const line = await this.coordination.lineStatus();
    if (line.freeze) this.applyFreeze(line.freeze);
  }

  private applyFreeze(signed: Signed<FreezeAction>): void {
    if (this.input.trusted) {
      const problem = freezeProblem(signed, {
        trust: this.input.trust,
        operatorGroups: this.input.pipeline.operatorGroups,
        ...(this.freezeIssuedAt ? { inForceIssuedAt: this.freezeIssuedAt } : {}),
      });
      if (problem) {
        void this.refusals.record('freeze', problem, signed, this.state.currentStage);
        return;
      }
      this.freezeIssuedAt = signed.payload.issuedAt;
    }
    const action = signed.payload;
    const problem =
      signatureProblem(signed, this.input.trust) ??
      (action.kind !== 'freeze' ? 'not a freeze action' : undefined) ??
      (this.inGroups(action.actor, this.input.pipeline.operatorGroups)
        ? undefined
        : `${action.actor} is not an operator`);
    if (problem) {
      void this.evidence.add('security.refused', {
        reason: `freeze signal ignored: ${problem}`,
        channel: action.channel,
        actor: action.actor,
      });
      return;
    }
    this.frozen = action.frozen ? { reason: action.reason, by: action.actor } : undefined;
    this.state.frozen = this.frozen;
    this.log(action.frozen ? 'freeze.held' : 'freeze.lifted', `${action.actor}: ${action.reason}`);
  }

  // ——— notifications and timeline ———

  notify(event: NotifyRequest['event'], stage: string | undefined, summary: string): void {
    const state = stage ? this.stageState(stage) : undefined;
    this.notifications.push(
      this.notifier
        .notify({
          promotionId: this.input.promotionId,
          event,
          app: this.input.release.app,
          version: this.input.release.version,
          ...(stage ? { stage } : {}),
          releaseDigest: this.input.releaseDigest,
          requester: this.requester,
          ...(this.policyResultHash ? { policyResultHash: this.policyResultHash } : {}),
          summary,
          ...(state?.policy
            ? { policy: { passed: state.policy.passed, failedRules: state.policy.failedRules } }
            : {}),
          ...(state?.canary
            ? { canary: { verdicts: state.canary.analyses.map((a) => a.verdict), step: state.canary.step } }
            : {}),
        })
        // Chat being down must never block or fail a promotion.
        .catch(() => undefined),
    );
  }

  async flushNotifications(): Promise<void> {
    await Promise.all(this.notifications);
  }

  log(type: string, summary: string, stage?: string): void {
    this.state.timeline.push({ at: new Date().toISOString(), type, summary, ...(stage ? { stage } : {}) });
  }

  private inGroups(actor: string, groups: string[]): boolean {
    const principal = this.input.trust.principals.find((p) => p.id === actor);
    return Boolean(principal?.groups.some((g) => groups.includes(g)));
  }
}
