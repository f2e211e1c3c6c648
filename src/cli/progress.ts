/**
 * A promotion's progress as lines: each call compares the live state with the previous one and
 * returns what happened in between — stages, gates, policy results, votes, canary steps with
 * weights and metric verdicts, rollbacks. Plain lines, so a CI log reads like a terminal.
 */
import type { PromotionState, StageState } from '../../workflows/types.js';
import type { Output } from './output.js';

type Paint = Output['paint'];

export interface ProgressTracker {
  /** Lines for everything new in `state` since the last call. */
  update(state: PromotionState): string[];
}

function fmtNumber(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  return Math.abs(n) < 1 && n !== 0 ? n.toFixed(3) : String(Math.round(n * 100) / 100);
}

function verdictStyle(verdict: string): 'green' | 'red' | 'yellow' {
  return verdict === 'pass' ? 'green' : verdict === 'fail' ? 'red' : 'yellow';
}

const STATUS_STYLE: Record<string, 'green' | 'red' | 'yellow' | 'cyan'> = {
  succeeded: 'green',
  running: 'cyan',
  failed: 'red',
  'rolled-back': 'yellow',
  rejected: 'red',
  expired: 'red',
  aborted: 'yellow',
  superseded: 'yellow',
  skipped: 'yellow',
};

export function paintStatus(paint: Paint, status: string): string {
  return paint(STATUS_STYLE[status] ?? 'bold', status);
}

function stageLines(
  paint: Paint,
  stage: StageState,
  prev: StageState | undefined,
  seen: Set<string>,
): string[] {
  const lines: string[] = [];
  const tag = paint('bold', stage.name.padEnd(8));
  const once = (key: string, line: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    lines.push(`${tag} ${line}`);
  };
  if (stage.policy)
    once(
      `${stage.name}/policy/${stage.policy.resultHash}/${stage.policy.waived.join(',')}`,
      stage.policy.passed
        ? `policy ${paint('green', 'passed')} (result ${stage.policy.resultHash.slice(0, 12)})`
        : `policy ${paint('red', 'failed')}: ${stage.policy.failedRules.join(', ')}${stage.policy.waived.length ? ` (waived: ${stage.policy.waived.join(', ')})` : ''}`,
    );
  if (stage.approval) {
    const a = stage.approval;
    once(
      `${stage.name}/approval`,
      `waiting for ${a.quorum} approval(s) from ${a.groups.join(a.distinctGroups ? ' + ' : ' or ')} (until ${a.deadline})`,
    );
    a.votes.forEach((v, i) =>
      once(
        `${stage.name}/vote/${i}`,
        `${v.decision === 'approve' ? paint('green', 'approved') : paint('red', 'rejected')} by ${v.approver} via ${v.channel}${v.comment ? `: ${v.comment}` : ''} (${a.votes.slice(0, i + 1).filter((x) => x.decision === 'approve').length}/${a.quorum})`,
      ),
    );
  }
  if (stage.deploy?.version)
    once(`${stage.name}/deploy/${stage.deploy.version}`, `deploying ${stage.deploy.version}`);
  if (stage.canary) {
    const c = stage.canary;
    c.analyses.forEach((a) => {
      const metrics = a.metrics
        .map(
          (m) =>
            `${m.name} ${paint(verdictStyle(m.verdict), m.verdict)} (canary ${fmtNumber(m.canary)}${m.baseline !== undefined ? `, baseline ${fmtNumber(m.baseline)}` : ''})`,
        )
        .join('; ');
      once(
        `${stage.name}/analysis/${a.step}`,
        `canary step ${a.step} at ${a.weight}%: ${paint(verdictStyle(a.verdict), a.verdict)} — ${metrics || a.reason}`,
      );
    });
    once(`${stage.name}/canary/step/${c.step}`, `canary step ${c.step}/${c.steps}: ${c.weight}% of traffic`);
    if (c.awaitingDecision)
      once(
        `${stage.name}/canary/decision/${c.step}`,
        paint('yellow', 'canary inconclusive: waiting for a continue/rollback decision'),
      );
  }
  if (stage.rollback)
    once(
      `${stage.name}/rollback/${String(stage.rollback.ok)}`,
      `${paint(stage.rollback.ok ? 'yellow' : 'red', stage.rollback.ok ? 'rolled back' : 'rollback FAILED')}: ${stage.rollback.reason}${stage.rollback.restored ? ` (serving ${stage.rollback.restored})` : ''}`,
    );
  if (stage.status !== prev?.status && stage.status !== 'pending' && stage.status !== 'running')
    once(`${stage.name}/status/${stage.status}`, paintStatus(paint, stage.status));
  return lines;
}

/** Timeline entries the stage view does not already tell: controls, waivers, freezes, locks. */
const TIMELINE_TYPES = /^(control\.|waiver\.|freeze\.|lock\.)/;

export function createProgressTracker(paint: Paint): ProgressTracker {
  let prev: PromotionState | undefined;
  const seen = new Set<string>();
  let timelineSeen = 0;
  return {
    update(state) {
      const lines: string[] = [];
      for (const stage of state.stages) {
        const before = prev?.stages.find((s) => s.name === stage.name);
        if (stage.status !== 'pending' && !seen.has(`${stage.name}/entered`)) {
          seen.add(`${stage.name}/entered`);
          lines.push(`${paint('bold', stage.name.padEnd(8))} ${paint('cyan', '▶ entered')}`);
        }
        lines.push(...stageLines(paint, stage, before, seen));
      }
      for (const entry of state.timeline.slice(timelineSeen)) {
        if (TIMELINE_TYPES.test(entry.type))
          lines.push(`${paint('bold', (entry.stage ?? '').padEnd(8))} ${entry.summary}`);
      }
      timelineSeen = state.timeline.length;
      if (state.paused !== (prev?.paused ?? false))
        lines.push(state.paused ? paint('yellow', 'paused') : 'resumed');
      prev = state;
      return lines;
    },
  };
}

/** One status line: where the promotion is now. */
export function statusLine(state: PromotionState): string {
  if (state.status !== 'running') return state.status;
  return [
    state.currentStage,
    state.gate,
    state.paused ? 'paused' : undefined,
    state.frozen ? `frozen (${state.frozen.reason})` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
}
