/**
 * What `tollgate status` does. Apart from inspect.run.ts, which loads the Temporal SDK: a
 * promotion's state usually comes back without it, and loading it is most of a cold start.
 */
import type { PromotionState } from '../../../workflows/types.js';
import { FINAL_STATE_MEMO, STATE_QUERY } from '../../../workflows/query-names.js';
import type { Principal } from '../../config/schema.js';
import type { Tollgate } from '../context.js';
import { approvalProgress } from '../approval-progress.js';
import { paintStatus, policySummary, statusLine } from '../progress.js';
import { table } from '../table.js';
import { shownState } from './ended.js';

function describeState(ctx: Tollgate, s: PromotionState, principals: Principal[]): string {
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
        st.policy ? policySummary(st.policy).replace(/^FAILED/, 'failed') : '',
        st.approval ? approvalCell(st.approval, principals, s.requester, st.status === 'running') : '',
        st.canary
          ? `${st.canary.step}/${st.canary.steps} at ${st.canary.weight}% ${st.canary.analyses.map((a) => a.verdict).join(',')}`
          : '',
      ]),
    ),
  );
  return lines.join('\n');
}

/** `1/2 bob:approve erin:approve; needs security (eligible: carol)`. */
function approvalCell(
  approval: NonNullable<PromotionState['stages'][number]['approval']>,
  principals: Principal[],
  requester: string,
  waiting: boolean,
): string {
  const p = approvalProgress(approval, principals, requester);
  const votes = approval.votes.map((v) => `${v.approver}:${v.decision}`).join(' ');
  const needs =
    waiting && !p.rejectedBy && p.counted < p.quorum
      ? `; needs ${p.neededGroups.join(' or ')}${principals.length ? ` (eligible: ${p.eligible.join(', ') || 'nobody'})` : ''}`
      : '';
  return `${p.counted}/${p.quorum} ${votes}${needs}`.replace('  ', ' ');
}

export async function status(ctx: Tollgate, id: string): Promise<void> {
  const state = await promotionState(ctx, id);
  if (ctx.json) return ctx.print(state, () => '');
  // Who may still approve comes from the config; status works (without that hint) where none loads.
  const principals = state.stages.some((st) => st.approval && st.status === 'running')
    ? await ctx.config().then(
        (c) => c.principals,
        () => [],
      )
    : [];
  ctx.out(describeState(ctx, state, principals));
}

/**
 * A finished promotion's state is in its memo (workflows/query-names.ts), read with a describe;
 * a running one's is asked with the state query. Both go over plain gRPC first (lite-rpc.ts); the
 * SDK is loaded only where that cannot answer, and then asks again and reports any error as
 * every other command does. Promotions that finished before the memo was written are queried.
 */
async function promotionState(ctx: Tollgate, id: string): Promise<PromotionState> {
  const [target, lite] = await Promise.all([ctx.temporalTarget(), import('../../client/lite-rpc.js')]);
  const described = await lite.liteDescribe(target, id, FINAL_STATE_MEMO);
  const state = (described?.memo ?? (described && (await lite.liteQuery(target, id, STATE_QUERY)))) as
    PromotionState | undefined;
  if (!state) return (await import('./inspect.run.js')).promotionState(ctx, id);
  return shownState(state, described?.status);
}
