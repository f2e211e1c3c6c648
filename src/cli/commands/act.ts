/**
 * The signed actions on a running promotion: approve/reject a stage, pause, resume, abort,
 * promote-now, waive. Each is an update the workflow validates (signature, authority,
 * segregation of duties, binding to what was shown); a refusal prints its reason. The work lives
 * in act.run.ts, loaded only when one of these commands runs.
 */
import type { Command } from 'commander';
import { canaryGroup } from './canary.js';
import type { ControlAction } from '../../approvals/actions.js';
import type { Tollgate } from '../context.js';

export interface VoteOptions {
  stage?: string;
  comment?: string;
  yes?: boolean;
}

export interface ControlOptions {
  reason?: string;
  yes?: boolean;
}

export interface WaiveOptions {
  stage: string;
  rule: string[];
  justification: string;
  expires: string;
}

const load = () => import('./act.run.js');

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
    .action(async (id: string, opts: VoteOptions) => (await load()).vote(ctx, decision, id, opts));
}

function registerControl(
  program: Command,
  ctx: Tollgate,
  command: ControlAction['command'],
  description: string,
): void {
  const cmd = program
    .command(command)
    .description(description)
    .argument('<promotion>', 'promotion id')
    .option('--reason <text>', 'recorded with the action');
  // Aborting rolls deployed stages back: asked first, like rollback.
  if (command === 'abort') cmd.option('-y, --yes', 'do not ask for confirmation (scripts)');
  cmd
    .addHelpText(
      'after',
      `\nExample:\n  tollgate ${command} sample-app-1.0.0-3f2a9c1d --reason "incident INC-4711"${command === 'abort' ? ' --yes' : ''}`,
    )
    .action(async (id: string, opts: ControlOptions) => (await load()).control(ctx, command, id, opts));
}

export function registerActionCommands(program: Command, ctx: Tollgate): void {
  registerVote(program, ctx, 'approve');
  registerVote(program, ctx, 'reject');
  registerControl(program, ctx, 'pause', 'pause a promotion before its next step');
  registerControl(program, ctx, 'resume', 'resume a paused promotion');
  registerControl(program, ctx, 'abort', 'abort a promotion (a deployed stage is rolled back first)');
  registerControl(program, ctx, 'promote-now', 'skip the rest of the current canary bake (operators)');

  const canary = canaryGroup(program);
  for (const [decision, description] of [
    ['continue', 'go on with the canary after an inconclusive analysis'],
    ['rollback', 'roll the canary back after an inconclusive analysis'],
  ] as const)
    canary
      .command(decision)
      .description(description)
      .argument('<promotion>', 'promotion id')
      .requiredOption('--stage <stage>', 'the stage whose canary is waiting for a decision')
      .option('--reason <text>', 'recorded with the decision')
      .addHelpText(
        'after',
        `\nExample:\n  TOLLGATE_USER=bob tollgate canary ${decision} sample-app-1.0.0-3f2a9c1d --stage prod --reason "latency spike was the load test"`,
      )
      .action(async (id: string, opts: { stage: string; reason?: string }) =>
        (await load()).canaryDecision(ctx, decision, id, opts),
      );

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
    .action(async (id: string, opts: WaiveOptions) => (await load()).waive(ctx, id, opts));
}
