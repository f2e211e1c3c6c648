/**
 * The signed actions on a running promotion: approve/reject a stage, pause, resume, abort,
 * promote-now, waive. Each is an update the workflow validates (signature, authority,
 * segregation of duties, binding to what was shown); a refusal prints its reason.
 */
import type { Command } from 'commander';
import type { promotion } from '../../../workflows/promotion.js';
import { controlUpdate, voteUpdate, waiveUpdate } from '../../../workflows/messages.js';
import type { PromotionState } from '../../../workflows/types.js';
import type { ControlAction, VoteAction, WaiverAction } from '../../approvals/actions.js';
import { durationMs } from '../../domain/common.js';
import type { Tollgate } from '../context.js';
import { sendAction } from '../actions.js';
import { confirm } from '../confirm.js';
import { UserError } from '../errors.js';
import { promotionState } from './inspect.js';

/** What an approver sees before voting; the vote binds to the digest and the policy result hash. */
export function approvalSummary(state: PromotionState, stageName: string): string {
  const stage = state.stages.find((s) => s.name === stageName)!;
  const lines = [
    `promotion   ${state.promotionId}: ${state.app} ${state.version}, requested by ${state.requester}`,
    `stage       ${stageName}`,
    `release     ${state.releaseDigest}`,
  ];
  if (stage.policy) {
    lines.push(
      `policy      ${stage.policy.passed ? 'passed' : `FAILED: ${stage.policy.failedRules.join(', ')}`}${stage.policy.waived.length ? ` (waived: ${stage.policy.waived.join(', ')})` : ''}`,
      `            result ${stage.policy.resultHash}`,
    );
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
      `approvals   ${approvals.length}/${stage.approval.quorum} (${approvals.map((v) => v.approver).join(', ') || 'none yet'})`,
    );
  }
  return lines.join('\n');
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

function registerVote(program: Command, ctx: Tollgate, decision: 'approve' | 'reject'): void {
  program
    .command(decision)
    .description(`${decision} the stage a promotion is waiting at (shows what you ${decision} first)`)
    .argument('<promotion>', 'promotion id')
    .option('--stage <stage>', 'the stage to vote on (default: the one waiting for approval)')
    .option('--comment <text>', 'recorded with the vote')
    .option('-y, --yes', 'do not ask for confirmation (scripts)')
    .addHelpText(
      'after',
      `\nExamples:\n  tollgate ${decision} sample-app-1.0.0-3f2a9c1d\n  TOLLGATE_USER=bob tollgate ${decision} sample-app-1.0.0-3f2a9c1d --stage prod --comment "${decision === 'approve' ? 'canary looked clean' : 'needs the security fix first'}" --yes`,
    )
    .action(async (id: string, opts: { stage?: string; comment?: string; yes?: boolean }) => {
      const signer = await ctx.signer();
      const state = await promotionState(ctx, id);
      const stage = waitingStage(state, opts.stage);
      const policyResultHash = state.stages.find((s) => s.name === stage)?.policy?.resultHash ?? '';
      if (!ctx.json) ctx.io.out(approvalSummary(state, stage));
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
        client.workflow
          .getHandle<typeof promotion>(id)
          .executeUpdate(voteUpdate, { args: [signer.sign(vote)] }),
      );
      ctx.print(
        outcome,
        () =>
          `${decision === 'approve' ? 'approved' : 'rejected'} ${stage} as ${signer.principal}: ${outcome.tally.approvals}/${outcome.tally.quorum} approvals`,
      );
    });
}

function registerControl(
  program: Command,
  ctx: Tollgate,
  command: ControlAction['command'],
  description: string,
): void {
  program
    .command(command)
    .description(description)
    .argument('<promotion>', 'promotion id')
    .option('--reason <text>', 'recorded with the action')
    .addHelpText(
      'after',
      `\nExample:\n  tollgate ${command} sample-app-1.0.0-3f2a9c1d --reason "incident INC-4711"`,
    )
    .action(async (id: string, opts: { reason?: string }) => {
      const signer = await ctx.signer();
      const action: ControlAction = {
        ...signer.base(id),
        kind: 'control',
        command,
        ...(opts.reason ? { reason: opts.reason } : {}),
      };
      const client = await ctx.client();
      const outcome = await sendAction(ctx, signer, { command, promotionId: id }, () =>
        client.workflow
          .getHandle<typeof promotion>(id)
          .executeUpdate(controlUpdate, { args: [signer.sign(action)] }),
      );
      ctx.print(outcome, () => `${command}: accepted for ${id} (as ${signer.principal})`);
    });
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

export function registerActionCommands(program: Command, ctx: Tollgate): void {
  registerVote(program, ctx, 'approve');
  registerVote(program, ctx, 'reject');
  registerControl(program, ctx, 'pause', 'pause a promotion before its next step');
  registerControl(program, ctx, 'resume', 'resume a paused promotion');
  registerControl(program, ctx, 'abort', 'abort a promotion (a deployed stage is rolled back first)');
  registerControl(program, ctx, 'promote-now', 'skip the rest of the current canary bake (operators)');

  program
    .command('waive')
    .description('waive failed policy rules or a closed change window for one stage (break-glass, recorded)')
    .argument('<promotion>', 'promotion id')
    .requiredOption('--stage <stage>', 'the stage the waiver applies to')
    .requiredOption('--rule <id...>', 'policy rule ids to waive, or change-window')
    .requiredOption('--justification <text>', 'why (at least 10 characters; goes into the evidence)')
    .requiredOption('--expires <when>', 'duration (4h) or time after which the waiver no longer applies')
    .addHelpText(
      'after',
      '\nExample:\n  tollgate waive sample-app-1.0.0-3f2a9c1d --stage prod --rule ticket-for-prod --justification "hotfix for INC-4711, ticket follows" --expires 4h',
    )
    .action(
      async (id: string, opts: { stage: string; rule: string[]; justification: string; expires: string }) => {
        const signer = await ctx.signer();
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
        ctx.print(
          outcome,
          () => `waived ${outcome.waives.join(', ')} for ${opts.stage} until ${action.expiresAt}`,
        );
      },
    );
}
