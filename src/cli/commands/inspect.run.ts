/** What `tollgate status|list|history` do (their shapes are in inspect.ts). */
import { setTimeout as sleep } from 'node:timers/promises';
import { QueryNotRegisteredError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { promotion } from '../../../workflows/promotion.js';
import { stateQuery } from '../../../workflows/messages.js';
import type { PromotionState } from '../../../workflows/types.js';
import { SA_APP, SA_STAGE, SA_STATUS, SA_VERSION } from '../../temporal/search-attributes.js';
import type { Tollgate } from '../context.js';
import { OutcomeFailure, UserError } from '../errors.js';
import { followPromotion, resultLine } from '../follow.js';
import { paintStatus } from '../progress.js';
import { parseSince } from '../since.js';
import { table } from '../table.js';
import type { ListOptions } from './inspect.js';
import { endedFromOutside, shownState } from './ended.js';

export async function promotionState(ctx: Tollgate, id: string): Promise<PromotionState> {
  const client = await ctx.client();
  try {
    const handle = client.workflow.getHandle<typeof promotion>(id);
    const [state, run] = await Promise.all([handle.query(stateQuery), handle.describe()]);
    return shownState(state, run.status.name);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new UserError(`no promotion ${id} (see \`tollgate list\`)`);
    if (err instanceof QueryNotRegisteredError) throw await notAPromotion(client, id);
    throw err;
  }
}

/** A workflow of Tollgate's that is not a promotion (a stage lock, the line, an archive). */
async function notAPromotion(client: Client, id: string): Promise<UserError> {
  const type = await client.workflow
    .getHandle(id)
    .describe()
    .then((d) => d.type)
    .catch(() => 'other');
  return new UserError(`${id} is not a promotion but a ${type} workflow (see \`tollgate list\`)`);
}

const quote = (v: string) => `'${v.replace(/'/g, "\\'")}'`;

/** `tollgate watch <id>`: reattaches to a promotion and follows it until it ends. */
export async function watch(ctx: Tollgate, id: string): Promise<void> {
  const client = await ctx.client();
  await promotionState(ctx, id);
  const result = await followPromotion(client, id, ctx.io, { json: ctx.json });
  ctx.out(ctx.json ? JSON.stringify({ promotionId: id, result }) : resultLine(ctx.io, result));
  if (result.status !== 'succeeded') throw new OutcomeFailure('');
}

interface ListRow {
  promotionId: string;
  app?: string;
  version?: string;
  stage?: string;
  status?: string;
  started: string;
  closed?: string;
}

async function listRows(client: Client, query: string, limit: number): Promise<ListRow[]> {
  const rows: ListRow[] = [];
  for await (const wf of client.workflow.list({ query })) {
    const sa = wf.typedSearchAttributes;
    rows.push({
      promotionId: wf.workflowId,
      app: sa.get(SA_APP),
      version: sa.get(SA_VERSION),
      stage: sa.get(SA_STAGE),
      status: endedFromOutside(wf.status.name) ?? sa.get(SA_STATUS) ?? wf.status.name.toLowerCase(),
      started: wf.startTime.toISOString(),
      ...(wf.closeTime ? { closed: wf.closeTime.toISOString() } : {}),
    });
    if (rows.length >= limit) break;
  }
  return rows;
}

const cells = (ctx: Tollgate, r: ListRow) => [
  r.promotionId,
  r.app ?? '',
  r.version ?? '',
  r.stage ?? '',
  paintStatus(ctx.io.paint, r.status ?? ''),
  r.started.replace('T', ' ').slice(0, 19),
];
const HEADERS = ['PROMOTION', 'APP', 'VERSION', 'STAGE', 'STATUS', 'STARTED'];

const WATCH_POLL_MS = 2000;

export async function list(ctx: Tollgate, opts: ListOptions): Promise<void> {
  // Operators' rollbacks change what a stage serves too, so they are listed beside promotions.
  const clauses = [`(WorkflowType = 'promotion' OR WorkflowType = 'rollback')`];
  if (opts.app) clauses.push(`TollgateApp = ${quote(opts.app)}`);
  if (opts.stage) clauses.push(`TollgateStage = ${quote(opts.stage)}`);
  if (opts.status) clauses.push(`TollgateStatus = ${quote(opts.status)}`);
  if (opts.since) clauses.push(`StartTime >= ${quote(parseSince(opts.since).toISOString())}`);
  const query = clauses.join(' AND ');
  const client = await ctx.client();
  const rows = await listRows(client, query, opts.limit);
  if (!opts.watch) {
    ctx.print(rows, () =>
      rows.length === 0
        ? 'no promotions match'
        : table(
            HEADERS,
            rows.map((r) => cells(ctx, r)),
          ),
    );
    return;
  }
  // --watch: everything once, then each promotion that appears or changes, until Ctrl-C.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const seen = new Map<string, string>();
  const emit = (changed: ListRow[], first: boolean) => {
    for (const r of changed) seen.set(r.promotionId, JSON.stringify(r));
    if (ctx.json) for (const r of changed) ctx.out(JSON.stringify({ event: 'promotion', ...r }));
    else if (first)
      ctx.out(
        rows.length === 0
          ? 'no promotions match yet; watching'
          : table(
              HEADERS,
              changed.map((r) => cells(ctx, r)),
            ),
      );
    else for (const r of changed) ctx.out(cells(ctx, r).join('  '));
  };
  emit(rows, true);
  try {
    while (!stop.signal.aborted) {
      await sleep(WATCH_POLL_MS, undefined, { signal: stop.signal });
      const now = await listRows(client, query, opts.limit);
      emit(now.filter((r) => seen.get(r.promotionId) !== JSON.stringify(r)).reverse(), false);
    }
  } catch (err) {
    if (!stop.signal.aborted) throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
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
