/** What the signed actions on a running promotion do (their shapes are in act.ts). */
import type { promotion } from '../../../workflows/promotion.js';
import { controlUpdate, voteUpdate, waiveUpdate } from '../../../workflows/messages.js';
import type { PromotionState } from '../../../workflows/types.js';
import type { ControlAction, VoteAction, WaiverAction } from '../../approvals/actions.js';
import { durationMs } from '../../domain/common.js';
import type { Principal } from '../../config/schema.js';
import { suggestion } from '../../config/known-keys.js';
import { loadPacks } from '../../policy/loader.js';
import type { Tollgate } from '../context.js';
import { sendAction } from '../actions.js';
import { approvalProgress, describeProgress } from '../approval-progress.js';
import { confirm } from '../confirm.js';
import { RefusedError, UserError } from '../errors.js';
import { notActionable } from '../finished.js';
import { isEnded } from '../statuses.js';
import { policySummary } from '../progress.js';
import { stageInConfig } from '../stage-config.js';
import type { ControlOptions, VoteOptions, WaiveOptions } from './act.js';
import { promotionState } from './inspect.run.js';

/** What an approver sees before voting; the vote binds to the digest and the policy result hash. */
export function approvalSummary(
  state: PromotionState,
  stageName: string,
  principals: readonly Principal[],
): string {
  const stage = state.stages.find((s) => s.name === stageName)!;
  const lines = [
    `promotion   ${state.promotionId}: ${state.app} ${state.version}, requested by ${state.requester}`,
    `stage       ${stageName}`,
    `release     ${state.releaseDigest}`,
  ];
  if (stage.policy) {
    lines.push(`policy      ${policySummary(stage.policy)}`, `            result ${stage.policy.resultHash}`);
  }
  const canaries = state.stages.filter((s) => s.canary?.analyses.length);
  lines.push(
    canaries.length
      ? `canary      ${canaries.map((s) => `${s.name}: ${s.canary!.analyses.map((a) => `${a.weight}% ${a.verdict}`).join(', ')}`).join('; ')}`
      : 'canary      no canary results yet in this promotion',
  );
  if (stage.approval) {
    const approvals = stage.approval.votes.filter((v) => v.decision === 'approve');
    lines.push(
      `approvals   ${describeProgress(approvalProgress(stage.approval, principals, state.requester))}${approvals.length ? ` (so far: ${approvals.map((v) => v.approver).join(', ')})` : ''}`,
    );
  }
  return lines.join('\n');
}

/** Refuses early, with the reason, an action on a promotion that already ended. */
async function mustBeRunning(ctx: Tollgate, id: string): Promise<void> {
  const problem = await notActionable(await ctx.client(), id);
  if (problem) throw new RefusedError(`${problem}; there is nothing to act on`);
}

function waitingStage(state: PromotionState, requested: string | undefined): string {
  if (requested) {
    if (!state.stages.some((s) => s.name === requested))
      throw new UserError(
        `promotion ${state.promotionId} has no stage ${requested} (stages: ${state.stages.map((s) => s.name).join(', ')})`,
      );
    return requested;
  }
  if (state.gate === 'approval' && state.currentStage) return state.currentStage;
  throw new UserError(
    `promotion ${state.promotionId} is not waiting for an approval (${state.status === 'running' ? `at ${state.currentStage ?? 'start'} · ${state.gate ?? ''}` : state.status}); name the stage with --stage`,
  );
}

export async function vote(
  ctx: Tollgate,
  decision: 'approve' | 'reject',
  id: string,
  opts: VoteOptions,
): Promise<void> {
  const signer = await ctx.signer();
  const config = await ctx.config();
  const state = await promotionState(ctx, id);
  if (isEnded(state.status)) await mustBeRunning(ctx, id);
  const stage = waitingStage(state, opts.stage);
  const policyResultHash = state.stages.find((s) => s.name === stage)?.policy?.resultHash ?? '';
  if (!ctx.json) ctx.io.out(approvalSummary(state, stage, config.principals));
  const question = `${decision} ${state.app} ${state.version} for ${stage} as ${signer.principal}?`;
  if (!(await confirm(question, { yes: opts.yes, refusing: 'vote' }))) {
    ctx.out('not voted');
    return;
  }
  const vote: VoteAction = {
    ...signer.base(id),
    kind: 'vote',
    stage,
    decision,
    releaseDigest: state.releaseDigest,
    policyResultHash,
    ...(opts.comment ? { comment: opts.comment } : {}),
  };
  const client = await ctx.client();
  const outcome = await sendAction(ctx, signer, { command: decision, promotionId: id, stage }, () =>
    client.workflow.getHandle<typeof promotion>(id).executeUpdate(voteUpdate, { args: [signer.sign(vote)] }),
  );
  const approval = state.stages.find((s) => s.name === stage)?.approval;
  const progress = approval
    ? approvalProgress({ ...approval, votes: outcome.votes }, config.principals, state.requester)
    : undefined;
  ctx.print(
    progress ? { ...outcome, progress } : outcome,
    () =>
      `${decision === 'approve' ? 'approved' : 'rejected'} ${stage} as ${signer.principal}: ${progress ? describeProgress(progress) : `${outcome.tally.approvals}/${outcome.tally.quorum} approvals`}`,
  );
}

export async function control(
  ctx: Tollgate,
  command: ControlAction['command'],
  id: string,
  opts: ControlOptions & { canary?: { stage: string; step?: number } },
): Promise<void> {
  const signer = await ctx.signer();
  await mustBeRunning(ctx, id);
  if (command === 'abort') {
    const state = await promotionState(ctx, id);
    const deployed = state.stages.filter((s) => s.deploy?.version).map((s) => s.name);
    const question = `abort ${state.app} ${state.version} (promotion ${id}, ${state.currentStage ?? 'starting'}${state.gate ? ` · ${state.gate}` : ''}) as ${signer.principal}?${deployed.length ? ` ${deployed.join(', ')} will be rolled back first.` : ''}`;
    if (!(await confirm(question, { yes: opts.yes, refusing: 'abort' }))) {
      ctx.out('not aborted');
      return;
    }
  }
  const action: ControlAction = {
    ...signer.base(id),
    kind: 'control',
    command,
    ...(opts.reason ? { reason: opts.reason } : {}),
    ...opts.canary,
  };
  const client = await ctx.client();
  const outcome = await sendAction(ctx, signer, { command, promotionId: id }, () =>
    client.workflow
      .getHandle<typeof promotion>(id)
      .executeUpdate(controlUpdate, { args: [signer.sign(action)] }),
  );
  ctx.print(outcome, () => `${command}: accepted for ${id} (as ${signer.principal})`);
}

function expiry(text: string): string {
  if (/^\d+(ms|s|m|h|d)$/.test(text)) return new Date(Date.now() + durationMs(text)).toISOString();
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw new UserError(
      `--expires ${text}: give a duration such as 4h or a time such as 2025-01-31T18:00:00Z`,
    );
  return new Date(t).toISOString();
}

/** The justification goes into the evidence: help and auditors expect a sentence, not "fix". */
const MIN_JUSTIFICATION = 10;

/** Refuses rule ids the stage's packs do not have: a waiver for a typo would waive nothing. */
async function checkWaivable(ctx: Tollgate, state: PromotionState, opts: WaiveOptions): Promise<void> {
  if (opts.justification.trim().length < MIN_JUSTIFICATION)
    throw new UserError(
      `--justification must be at least ${MIN_JUSTIFICATION} characters (it goes into the evidence): say why, e.g. "hotfix for INC-4711, ticket follows"`,
    );
  if (!state.stages.some((s) => s.name === opts.stage))
    throw new UserError(
      `promotion ${state.promotionId} has no stage ${opts.stage} (stages: ${state.stages.map((s) => s.name).join(', ')})`,
    );
  const config = await ctx.config();
  const { stage } = stageInConfig(config, opts.stage, state.pipeline);
  const packs = (await loadPacks(config.policyPackDirs)).filter(
    (p) => stage.policy.packs.length === 0 || stage.policy.packs.includes(p.name),
  );
  const known = [
    'change-window',
    ...packs.flatMap((p) =>
      p.rules.filter((r) => !r.stages || r.stages.includes(opts.stage)).map((r) => r.id),
    ),
  ];
  const unknown = opts.rule.filter((r) => !known.includes(r));
  if (unknown.length)
    throw new UserError(
      unknown
        .map((r) => {
          const near = suggestion(r, known);
          return `--rule ${r}: no such rule at ${opts.stage} (packs ${packs.map((p) => p.name).join(', ')})${near ? `; did you mean "${near}"?` : `; rules: ${known.join(', ')}`}`;
        })
        .join('\n'),
    );
}

export async function waive(ctx: Tollgate, id: string, opts: WaiveOptions): Promise<void> {
  const signer = await ctx.signer();
  await mustBeRunning(ctx, id);
  await checkWaivable(ctx, await promotionState(ctx, id), opts);
  const action: WaiverAction = {
    ...signer.base(id),
    kind: 'waiver',
    stage: opts.stage,
    waives: opts.rule,
    justification: opts.justification,
    expiresAt: expiry(opts.expires),
  };
  const client = await ctx.client();
  const outcome = await sendAction(
    ctx,
    signer,
    { command: 'waive', promotionId: id, stage: opts.stage },
    () =>
      client.workflow
        .getHandle<typeof promotion>(id)
        .executeUpdate(waiveUpdate, { args: [signer.sign(action)] }),
  );
  ctx.print(outcome, () => `waived ${outcome.waives.join(', ')} for ${opts.stage} until ${action.expiresAt}`);
}

/** `tollgate canary continue|rollback`: the signed control, sent only while that stage's canary waits. */
export async function canaryDecision(
  ctx: Tollgate,
  decision: 'continue' | 'rollback',
  id: string,
  opts: { stage: string; reason?: string },
): Promise<void> {
  const state = await promotionState(ctx, id);
  const waiting = state.stages.find((s) => s.canary?.awaitingDecision);
  if (waiting?.name !== opts.stage)
    throw new UserError(
      `promotion ${id} has no inconclusive canary waiting at ${opts.stage} (${waiting ? `${waiting.name} is waiting` : 'none is waiting'})`,
    );
  await control(ctx, decision, id, {
    ...(opts.reason ? { reason: opts.reason } : {}),
    canary: { stage: opts.stage, ...(waiting.canary ? { step: waiting.canary.step } : {}) },
  });
}
