/**
 * A promotion's progress as lines: each call compares the live state with the previous one and
 * returns what happened in between — stages, gates, policy results, votes, canary steps with
 * weights and metric verdicts, rollbacks. Plain lines, so a CI log reads like a terminal.
 */
import type { PromotionState, StageState } from '../../workflows/types.js';
import { countedApprovals } from '../../workflows/approval-rules.js';
import type { Output } from './output.js';

type Paint = Output['paint'];

/**
 * One thing that happened to a promotion: a human line (`text`) and the same facts as fields,
 * which `--json` prints instead of the line.
 */
export interface ProgressEvent {
  event:
    | 'stage.entered'
    | 'policy'
    | 'approval.waiting'
    | 'vote'
    | 'deploy'
    | 'canary.step'
    | 'canary.analysis'
    | 'canary.decision-needed'
    | 'rollback'
    | 'stage.status'
    | 'timeline'
    | 'paused'
    | 'resumed';
  stage?: string;
  text: string;
  [field: string]: unknown;
}

export interface ProgressTracker {
  /** Events for everything new in `state` since the last call. */
  update(state: PromotionState): ProgressEvent[];
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

/** `canary ≤ 0.05` — the limit a metric was judged against. */
function thresholdText(t: { min?: number; max?: number } | undefined): string {
  if (!t) return '';
  return [
    t.min !== undefined ? `≥ ${fmtNumber(t.min)}` : '',
    t.max !== undefined ? `≤ ${fmtNumber(t.max)}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
}

function stageEvents(
  paint: Paint,
  stage: StageState,
  prev: StageState | undefined,
  seen: Set<string>,
): ProgressEvent[] {
  const events: ProgressEvent[] = [];
  const tag = paint('bold', stage.name.padEnd(8));
  const once = (key: string, event: Omit<ProgressEvent, 'stage' | 'text'>, line: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    events.push({ ...event, stage: stage.name, text: `${tag} ${line}` } as ProgressEvent);
  };
  if (stage.policy) {
    const open = stage.policy.failedRules.filter((r) => !stage.policy!.waived.includes(r));
    once(
      `${stage.name}/policy/${stage.policy.resultHash}/${stage.policy.waived.join(',')}`,
      { event: 'policy', ...stage.policy },
      stage.policy.passed || open.length === 0
        ? `policy ${paint('green', 'passed')}${stage.policy.waived.length ? ` (waived: ${stage.policy.waived.join(', ')})` : ''} (result ${stage.policy.resultHash.slice(0, 12)})`
        : `policy ${paint('red', 'failed')}: ${open.join(', ')}${stage.policy.waived.length ? ` (waived: ${stage.policy.waived.join(', ')})` : ''}`,
    );
  }
  if (stage.approval) {
    const a = stage.approval;
    once(
      `${stage.name}/approval`,
      {
        event: 'approval.waiting',
        quorum: a.quorum,
        groups: a.groups,
        distinctGroups: a.distinctGroups,
        deadline: a.deadline,
      },
      `waiting for ${a.quorum} approval(s) from ${a.groups.join(a.distinctGroups ? ' + ' : ' or ')}${a.distinctGroups ? ' (distinct groups)' : ''} (until ${a.deadline})`,
    );
    const rule = { ...a, timeout: '24h' };
    a.votes.forEach((v, i) => {
      const counted = countedApprovals(a.votes.slice(0, i + 1), rule);
      const before = countedApprovals(a.votes.slice(0, i), rule);
      const uncounted = v.decision === 'approve' && counted === before;
      once(
        `${stage.name}/vote/${i}`,
        {
          event: 'vote',
          approver: v.approver,
          decision: v.decision,
          channel: v.channel,
          groups: v.groups,
          counted,
          quorum: a.quorum,
          ...(v.comment ? { comment: v.comment } : {}),
        },
        `${v.decision === 'approve' ? paint('green', 'approved') : paint('red', 'rejected')} by ${v.approver} via ${v.channel}${v.comment ? `: ${v.comment}` : ''} (${counted}/${a.quorum}${uncounted ? `; not counted: ${v.groups.join(', ')} already approved` : ''})`,
      );
    });
  }
  if (stage.deploy?.version)
    once(
      `${stage.name}/deploy/${stage.deploy.version}`,
      { event: 'deploy', version: stage.deploy.version },
      `deploying ${stage.deploy.version}`,
    );
  if (stage.canary) {
    const c = stage.canary;
    c.analyses.forEach((a) => {
      const metrics = a.metrics
        .map(
          (m) =>
            `${m.name} ${paint(verdictStyle(m.verdict), m.verdict)} (canary ${fmtNumber(m.canary)}${m.threshold ? `, limit ${thresholdText(m.threshold)}` : ''}${m.baseline !== undefined && m.baseline !== null ? `, baseline ${fmtNumber(m.baseline)}` : ''})`,
        )
        .join('; ');
      once(
        `${stage.name}/analysis/${a.step}`,
        {
          event: 'canary.analysis',
          step: a.step,
          weight: a.weight,
          verdict: a.verdict,
          reason: a.reason,
          metrics: a.metrics.map((m) => ({
            name: m.name,
            verdict: m.verdict,
            canary: m.canary,
            ...(m.baseline !== undefined ? { baseline: m.baseline } : {}),
            ...(m.threshold ? { threshold: m.threshold } : {}),
            ...(m.samples ? { samples: m.samples } : {}),
          })),
        },
        `canary step ${a.step} at ${a.weight}%: ${paint(verdictStyle(a.verdict), a.verdict)} — ${metrics || a.reason}`,
      );
    });
    once(
      `${stage.name}/canary/step/${c.step}`,
      {
        event: 'canary.step',
        step: c.step,
        steps: c.steps,
        weight: c.weight,
        ...(c.bakeEndsAt ? { bakeEndsAt: c.bakeEndsAt } : {}),
      },
      `canary step ${c.step}/${c.steps}: ${c.weight}% of traffic${c.bakeEndsAt ? `, baking until ${c.bakeEndsAt}` : ''}`,
    );
    if (c.awaitingDecision)
      once(
        `${stage.name}/canary/decision/${c.step}`,
        { event: 'canary.decision-needed', step: c.step },
        paint('yellow', 'canary inconclusive: waiting for a continue/rollback decision'),
      );
  }
  if (stage.rollback)
    once(
      `${stage.name}/rollback/${String(stage.rollback.ok)}`,
      { event: 'rollback', ...stage.rollback },
      `${paint(stage.rollback.ok ? 'yellow' : 'red', stage.rollback.ok ? 'rolled back' : 'rollback FAILED')}: ${stage.rollback.reason}${stage.rollback.restored ? ` (serving ${stage.rollback.restored})` : ''}`,
    );
  if (stage.status !== prev?.status && stage.status !== 'pending' && stage.status !== 'running')
    once(
      `${stage.name}/status/${stage.status}`,
      { event: 'stage.status', status: stage.status },
      paintStatus(paint, stage.status),
    );
  return events;
}

/** Timeline entries the stage view does not already tell: controls, waivers, freezes, locks. */
const TIMELINE_TYPES = /^(control\.|waiver\.|freeze\.|lock\.)/;

export function createProgressTracker(paint: Paint): ProgressTracker {
  let prev: PromotionState | undefined;
  const seen = new Set<string>();
  let timelineSeen = 0;
  return {
    update(state) {
      const events: ProgressEvent[] = [];
      for (const stage of state.stages) {
        const before = prev?.stages.find((s) => s.name === stage.name);
        if (stage.status !== 'pending' && !seen.has(`${stage.name}/entered`)) {
          seen.add(`${stage.name}/entered`);
          events.push({
            event: 'stage.entered',
            stage: stage.name,
            text: `${paint('bold', stage.name.padEnd(8))} ${paint('cyan', '▶ entered')}`,
          });
        }
        events.push(...stageEvents(paint, stage, before, seen));
      }
      for (const entry of state.timeline.slice(timelineSeen)) {
        if (TIMELINE_TYPES.test(entry.type))
          events.push({
            event: 'timeline',
            ...(entry.stage ? { stage: entry.stage } : {}),
            type: entry.type,
            at: entry.at,
            summary: entry.summary,
            text: `${paint('bold', (entry.stage ?? '').padEnd(8))} ${entry.summary}`,
          });
      }
      timelineSeen = state.timeline.length;
      if (state.paused !== (prev?.paused ?? false))
        events.push(
          state.paused
            ? { event: 'paused', text: paint('yellow', 'paused') }
            : { event: 'resumed', text: 'resumed' },
        );
      prev = state;
      return events;
    },
  };
}

/** Time left until `iso`, as people read it: `1m20s`, `45s`. */
export function timeLeft(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((Date.parse(iso) - now) / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** `passed`, `passed: ticket-for-prod waived`, or `FAILED: a, b (waived: c)`. */
export function policySummary(policy: NonNullable<PromotionState['stages'][number]['policy']>): string {
  const open = policy.failedRules.filter((r) => !policy.waived.includes(r));
  const waived = policy.waived.length ? `${policy.waived.join(', ')} waived` : '';
  if (policy.passed || open.length === 0) return waived ? `passed: ${waived}` : 'passed';
  return `FAILED: ${open.join(', ')}${waived ? ` (${waived})` : ''}`;
}

/** One status line: where the promotion is now. */
export function statusLine(state: PromotionState): string {
  if (state.status !== 'running') return state.status;
  const canary = state.stages.find((s) => s.name === state.currentStage)?.canary;
  return [
    state.currentStage,
    state.gate,
    state.gate === 'canary' && canary
      ? `step ${canary.step}/${canary.steps} at ${canary.weight}%${canary.bakeEndsAt ? `, ${timeLeft(canary.bakeEndsAt)} of bake left` : ''}`
      : undefined,
    state.paused ? 'paused' : undefined,
    state.frozen ? `frozen (${state.frozen.reason})` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
}
