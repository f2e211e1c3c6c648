/** What `tollgate status|list|history` do (their shapes are in inspect.ts). */
import { WorkflowNotFoundError } from '@temporalio/common';
import type { promotion } from '../../../workflows/promotion.js';
import { stateQuery } from '../../../workflows/messages.js';
import type { PromotionState } from '../../../workflows/types.js';
import { SA_APP, SA_STAGE, SA_STATUS, SA_VERSION } from '../../temporal/search-attributes.js';
import type { Tollgate } from '../context.js';
import { UserError } from '../errors.js';
import { paintStatus, statusLine } from '../progress.js';
import { table } from '../table.js';
import type { ListOptions } from './inspect.js';

export async function promotionState(ctx: Tollgate, id: string): Promise<PromotionState> {
  const client = await ctx.client();
  try {
    return await client.workflow.getHandle<typeof promotion>(id).query(stateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new UserError(`no promotion ${id} (see \`tollgate list\`)`);
    throw err;
  }
}

function describeState(ctx: Tollgate, s: PromotionState): string {
  const p = ctx.io.paint;
  const lines = [
    `${p('bold', s.promotionId)}  ${s.app} ${s.version}  ${paintStatus(p, s.status)}${s.status === 'running' ? ` (${statusLine(s)})` : ''}`,
    `pipeline   ${s.pipeline}, requested by ${s.requester}`,
  ];
  // An operator's rollback deploys no release of its own, so it has no digest.
  if (s.releaseDigest) lines.push(`digest     ${s.releaseDigest}`);
  if (s.frozen) lines.push(`frozen     by ${s.frozen.by}: ${s.frozen.reason}`);
  if (s.outcome) lines.push(`outcome    ${s.outcome}`);
  lines.push('');
  lines.push(
    table(
      ['STAGE', 'STATUS', 'POLICY', 'APPROVALS', 'CANARY'],
      s.stages.map((st) => [
        st.name,
        paintStatus(p, st.status),
        st.policy
          ? st.policy.passed
            ? 'passed'
            : `failed: ${st.policy.failedRules.slice(0, 3).join(',')}${st.policy.failedRules.length > 3 ? ` +${st.policy.failedRules.length - 3} more` : ''}`
          : '',
        st.approval
          ? `${st.approval.votes.filter((v) => v.decision === 'approve').length}/${st.approval.quorum} ${st.approval.votes.map((v) => `${v.approver}:${v.decision}`).join(' ')}`
          : '',
        st.canary
          ? `${st.canary.step}/${st.canary.steps} at ${st.canary.weight}% ${st.canary.analyses.map((a) => a.verdict).join(',')}`
          : '',
      ]),
    ),
  );
  return lines.join('\n');
}

async function parseSince(text: string): Promise<Date> {
  if (/^\d+(ms|s|m|h|d)$/.test(text)) {
    // Loaded here: its module brings zod, which `tollgate status` has no use for.
    const { durationMs } = await import('../../domain/common.js');
    return new Date(Date.now() - durationMs(text));
  }
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw new UserError(`--since ${text}: give a duration such as 24h or 7d, or a date such as 2025-01-31`);
  return new Date(t);
}

const quote = (v: string) => `'${v.replace(/'/g, "\\'")}'`;

/**
 * A run terminated or timed out from outside never updates its own state or search attributes:
 * what Temporal says of the run's end wins over what the workflow last said.
 */
const ENDED_FROM_OUTSIDE: Record<string, string> = { TERMINATED: 'terminated', TIMED_OUT: 'timed-out' };

export async function status(ctx: Tollgate, id: string): Promise<void> {
  const state = await promotionState(ctx, id);
  const run = await (await ctx.client()).workflow.getHandle(id).describe();
  const ended = ENDED_FROM_OUTSIDE[run.status.name];
  const shown = ended ? ({ ...state, status: ended } as unknown as PromotionState) : state;
  ctx.print(shown, () => describeState(ctx, shown));
}

export async function list(ctx: Tollgate, opts: ListOptions): Promise<void> {
  // Operators' rollbacks change what a stage serves too, so they are listed beside promotions.
  const clauses = [`(WorkflowType = 'promotion' OR WorkflowType = 'rollback')`];
  if (opts.app) clauses.push(`TollgateApp = ${quote(opts.app)}`);
  if (opts.stage) clauses.push(`TollgateStage = ${quote(opts.stage)}`);
  if (opts.status) clauses.push(`TollgateStatus = ${quote(opts.status)}`);
  if (opts.since) clauses.push(`StartTime >= ${quote((await parseSince(opts.since)).toISOString())}`);
  const client = await ctx.client();
  const rows: {
    promotionId: string;
    app?: string;
    version?: string;
    stage?: string;
    status?: string;
    started: string;
    closed?: string;
  }[] = [];
  for await (const wf of client.workflow.list({ query: clauses.join(' AND ') })) {
    const sa = wf.typedSearchAttributes;
    rows.push({
      promotionId: wf.workflowId,
      app: sa.get(SA_APP),
      version: sa.get(SA_VERSION),
      stage: sa.get(SA_STAGE),
      status: ENDED_FROM_OUTSIDE[wf.status.name] ?? sa.get(SA_STATUS) ?? wf.status.name.toLowerCase(),
      started: wf.startTime.toISOString(),
      ...(wf.closeTime ? { closed: wf.closeTime.toISOString() } : {}),
    });
    if (rows.length >= opts.limit) break;
  }
  ctx.print(rows, () =>
    rows.length === 0
      ? 'no promotions match'
      : table(
          ['PROMOTION', 'APP', 'VERSION', 'STAGE', 'STATUS', 'STARTED'],
          rows.map((r) => [
            r.promotionId,
            r.app ?? '',
            r.version ?? '',
            r.stage ?? '',
            paintStatus(ctx.io.paint, r.status ?? ''),
            r.started.replace('T', ' ').slice(0, 19),
          ]),
        ),
  );
}

export async function history(ctx: Tollgate, id: string): Promise<void> {
  const ledger = await ctx.ledger();
  const records = await ledger.read(id);
  const refusals = await ledger.read(`security:${id}`);
  if (records.length === 0 && refusals.length === 0)
    throw new UserError(`no evidence for promotion ${id} in the ledger (see \`tollgate audit list\`)`);
  const all = [...records, ...refusals].sort((a, b) => a.time.localeCompare(b.time) || a.seq - b.seq);
  ctx.print(all, () =>
    table(
      ['TIME', 'SEQ', 'STAGE', 'EVENT', 'ACTOR', 'DETAIL'],
      all.map((r) => [
        r.time.replace('T', ' ').slice(0, 19),
        r.chainId === id ? String(r.seq) : `s${r.seq}`,
        r.stage ?? '',
        r.type === 'security.refused' ? ctx.io.paint('red', r.type) : r.type,
        `${r.actor.id}${r.actor.channel !== 'system' ? ` (${r.actor.channel})` : ''}`,
        detail(r.data),
      ]),
    ),
  );
}

/** A one-line gist of a record's data for the timeline. */
function detail(data: Record<string, unknown>): string {
  for (const key of ['reason', 'outcome', 'summary', 'decision', 'verdict', 'version', 'comment']) {
    const v = data[key];
    if (typeof v === 'string' && v)
      return `${key === 'reason' || key === 'outcome' || key === 'summary' ? '' : `${key} `}${v}`.slice(
        0,
        100,
      );
  }
  if (typeof data.passed === 'boolean') return data.passed ? 'passed' : 'failed';
  return '';
}
