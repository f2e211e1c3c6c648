/**
 * The state of one running promotion and its wiring: activity proxies, the evidence trail, stage
 * locks, notifications. Its fields are private; the message handlers (run-handlers.ts), the gates
 * (gates.ts), the canary loop and the process (promotion.ts) change it through its methods.
 */
import { CancellationScope, condition, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Stage } from '../src/config/schema.js';
import type { Signed, VoteAction, WaiverAction } from '../src/approvals/actions.js';
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
  ORCHESTRATION_ACTIVITY_OPTIONS,
  STAGE_ACTIVITY_OPTIONS,
} from '../src/domain/activity-options.js';
import type { DsseEnvelope } from '../src/domain/attestation.js';
import { EvidenceTrail } from './evidence-trail.js';
import { Refusals } from './refusals.js';
import { StageLocks } from './stage-locks.js';
import { Notifications, notification } from './notifications.js';
import { waived } from './waiver-rules.js';
import type {
  Gate,
  PromotionState,
  PromotionStatus,
  RunInput,
  StageState,
  StageStop,
  VoteRecord,
} from './types.js';

/**
 * patched() id: a promotion writes its final state into its memo as it ends, so histories of
 * promotions that ended before it still replay (test/workflow/replay.test.ts).
 */
export const FINAL_STATE_IN_MEMO = 'final-state-in-memo';

export interface AbortRequest {
  by: string;
  reason?: string;
  superseded?: boolean;
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
  readonly locks: StageLocks;
  readonly orchestrationQueue: string;
  /** The signer of the start for promotions started by a signed request; else the manifest's claim. */
  readonly requester: string;

  private currentPolicyResult: string | undefined;
  private stageScope: CancellationScope | undefined;
  private isPaused = false;
  private abort: AbortRequest | undefined;
  private freeze: { reason: string; by: string } | undefined;
  /** When the freeze action in force was issued: an older one never undoes it. */
  private freezeIssued: string | undefined;
  private promoteNow = false;
  private canaryDecision: 'continue' | 'rollback' | undefined;
  private approvalOpenFor: string | undefined;
  private readonly waivers: WaiverAction[] = [];
  private readonly deploysStarted = new Set<string>();
  private readonly stageProxies = new Map<string, StageActivities>();
  private readonly notifications: Notifications;
  /** Signed promotions only: what a stage attestation is issued from, and the attestations issued. */
  private readonly policySeals = new Map<string, PolicySeal>();
  private readonly signedVotes = new Map<string, Signed<VoteAction>[]>();
  private readonly signedWaivers: Signed<WaiverAction>[] = [];
  private readonly issuedAttestations: DsseEnvelope[] = [];

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
    this.locks = new StageLocks(input, this.coordination, this.evidence, this.refusals);
    this.notifications = new Notifications(this.orchestrationQueue);
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
    this.currentPolicyResult = undefined;
    this.promoteNow = false;
    const state = this.stageState(stage.name);
    state.status = 'running';
    this.log('stage.entered', `entered ${stage.name}`, stage.name);
    return state;
  }

  /** An abort from now on cancels `scope`, the stage's work. */
  cancelOnAbort(scope: CancellationScope): void {
    this.stageScope = scope;
  }

  /** The stage's work is over: an abort no longer has a scope to cancel. */
  leaveStage(): void {
    this.stageScope = undefined;
  }

  setGate(gate: Gate): void {
    this.state.gate = gate;
    if (gate === 'approval') this.approvalOpenFor = this.state.currentStage;
  }

  /** The stage waiting for votes, if any. */
  get approvalStage(): string | undefined {
    return this.approvalOpenFor;
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
      ...(this.input.trusted ? { proof: { attestations: this.issuedAttestations } } : {}),
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

  /** The promotion ends: what the state query (and the final memo) says from now on. */
  end(status: Exclude<PromotionStatus, 'running'>, outcome: string): void {
    this.state.status = status;
    this.state.outcome = outcome;
    this.state.gate = undefined;
  }

  // ——— policy, votes, waivers, attestations ———

  get policyResultHash(): string | undefined {
    return this.currentPolicyResult;
  }

  recordPolicyResult(stage: string, resultHash: string, seal: PolicySeal | undefined): void {
    this.currentPolicyResult = resultHash;
    if (seal) this.policySeals.set(stage, seal);
  }

  policySeal(stage: string): PolicySeal | undefined {
    return this.policySeals.get(stage);
  }

  addVote(stage: string, record: VoteRecord, signed: Signed<VoteAction>): void {
    this.stageState(stage).approval!.votes.push(record);
    if (this.input.trusted) this.signedVotes.set(stage, [...(this.signedVotes.get(stage) ?? []), signed]);
  }

  signedVotesFor(stage: string): Signed<VoteAction>[] {
    return this.signedVotes.get(stage) ?? [];
  }

  addWaiver(signed: Signed<WaiverAction>): void {
    this.waivers.push(signed.payload);
    if (this.input.trusted) this.signedWaivers.push(signed);
  }

  signedWaiversFor(stage: string): Signed<WaiverAction>[] {
    return this.signedWaivers.filter((w) => w.payload.stage === stage);
  }

  activeWaiver(stage: string, id: string): boolean {
    return waived(this.waivers, stage, id, Date.now());
  }

  unwaived(stage: string, failedRules: string[]): string[] {
    return failedRules.filter((ruleId) => !this.activeWaiver(stage, ruleId));
  }

  addAttestation(envelope: DsseEnvelope): void {
    this.issuedAttestations.push(envelope);
  }

  // ——— controls: pause, resume, abort, promote-now, canary decisions ———

  get paused(): boolean {
    return this.isPaused;
  }

  setPaused(paused: boolean): void {
    this.isPaused = this.state.paused = paused;
  }

  async waitWhilePaused(): Promise<void> {
    if (!this.isPaused) return;
    const gate = this.state.gate;
    await condition(() => !this.isPaused);
    this.state.gate = gate;
  }

  get aborting(): boolean {
    return this.abort !== undefined;
  }

  /** Abort (or supersede): cancels the stage under way, which rolls back what it deployed. */
  requestAbort(abort: AbortRequest): void {
    this.abort = abort;
    this.stageScope?.cancel();
  }

  stopForAbort(): StageStop {
    const abort = this.abort;
    if (abort?.superseded) return { status: 'superseded', outcome: abort.reason ?? 'superseded' };
    if (abort)
      return {
        status: 'aborted',
        outcome: `aborted by ${abort.by}${abort.reason ? `: ${abort.reason}` : ''}`,
      };
    return { status: 'aborted', outcome: 'the promotion was cancelled' };
  }

  get promoteNowRequested(): boolean {
    return this.promoteNow;
  }

  requestPromoteNow(): void {
    this.promoteNow = true;
  }

  decideCanary(decision: 'continue' | 'rollback'): void {
    this.canaryDecision = decision;
  }

  /** Forgets an earlier decision: the next one must answer the analysis now waiting. */
  clearCanaryDecision(): void {
    this.canaryDecision = undefined;
  }

  /** The decision on the inconclusive canary, or undefined if none came within `timeout`. */
  async awaitCanaryDecision(timeout: string): Promise<'continue' | 'rollback' | undefined> {
    const decided = await condition(() => this.canaryDecision !== undefined, timeout);
    return decided ? this.canaryDecision : undefined;
  }

  // ——— stop-the-line freeze ———

  get frozen(): { reason: string; by: string } | undefined {
    return this.freeze;
  }

  /** When the freeze action in force was issued (signed promotions). */
  get freezeIssuedAt(): string | undefined {
    return this.freezeIssued;
  }

  freezeActionInForce(issuedAt: string): void {
    this.freezeIssued = issuedAt;
  }

  setFrozen(freeze: { reason: string; by: string } | undefined): void {
    this.freeze = freeze;
    this.state.frozen = freeze;
  }

  // ——— notifications and timeline ———

  notify(event: NotifyRequest['event'], stage: string | undefined, summary: string): void {
    this.notifications.send(notification(this, event, stage ? this.stageState(stage) : undefined, summary));
  }

  async flushNotifications(): Promise<void> {
    await this.notifications.flush();
  }

  log(type: string, summary: string, stage?: string): void {
    this.state.timeline.push({ at: new Date().toISOString(), type, summary, ...(stage ? { stage } : {}) });
  }
}
