/**
 * Guideline 2: the deployment APIs people use (CLI, chat hook, webhook): every action
 * authenticated by signature, refusals (bad signatures, floods, replays) recorded, and the API
 * version of each request.
 */
import { isHumanChannel, str } from '../evidence.js';
import { list, seqsOf, type CoverageRow, type RowContext } from './row.js';

export function interfacesRow(ctx: RowContext): CoverageRow {
  const base = {
    id: 'ag-2-deployment-apis',
    source: 'Auditing guideline 2',
    question: 'Deployment APIs: authentication, rate limiting, versioning, security regression results',
  };
  const actions = ctx.records.filter((r) => isHumanChannel(r.actor.channel) && r.type !== 'security.refused');
  const refusals = ctx.refusals;
  if (actions.length === 0 && refusals.length === 0)
    return {
      ...base,
      status: 'not applicable',
      detail: 'no person acted on this promotion through the CLI, chat hook or webhook',
      evidence: [],
    };
  const unsigned = actions.filter((r) => !r.actor.verifiedBy);
  const kinds = refusals.map((r) => str(r.data.refusal) ?? 'refused');
  const limited = kinds.filter((k) => k === 'rate-limited').length;
  const versions = actions.map((r) => str(r.data.apiVersion)).filter((v): v is string => Boolean(v));
  const inChain = new Set(ctx.records.map((r) => r.hash));
  return {
    ...base,
    status: unsigned.length ? 'not met' : 'met',
    detail:
      `${actions.length} action(s) via ${list(actions.map((r) => r.actor.channel))}` +
      (unsigned.length
        ? `; NOT authenticated: ${unsigned.map((r) => `#${r.seq} ${r.type} by ${r.actor.id}`).join(', ')}`
        : ', each authenticated by signature') +
      `; ${refusals.length} refused request(s) recorded${refusals.length ? ` (${list(kinds)})` : ''}` +
      `${limited ? `, ${limited} rate-limited` : ''}` +
      `; API version: ${versions.length ? list(versions) : 'not recorded by the hook'}` +
      '; security regression runs: none recorded as evidence (recorded when CI runs them)',
    evidence: seqsOf([...unsigned, ...actions, ...refusals.filter((r) => inChain.has(r.hash))]),
    related: refusals.filter((r) => !inChain.has(r.hash)).map((r) => `${r.chainId}#${r.seq}`),
  };
}
