/**
 * Guideline 7: segregation of duties. Approvers are neither the requester nor a commit author,
 * every vote saw the promoted release and its policy result, waivers come from someone else
 * than the requester, and the start was signed by the requester it names.
 */
import { str } from '../evidence.js';
import { list, type CoverageRow, type RowContext } from './row.js';

export function segregationRow(ctx: RowContext): CoverageRow {
  const base = {
    id: 'ag-7-segregation-of-duties',
    source: 'Auditing guideline 7',
    question: 'Segregation of duties between requesters, approvers, waivers and operators',
  };
  const requested = ctx.records.filter((r) => r.type === 'approval.requested');
  const waivers = ctx.records.filter((r) => r.type === 'waiver.granted');
  const operations = ctx.records.filter((r) => r.type.startsWith('control.') || r.type === 'canary.decision');
  const requester = ctx.promotion.requester;
  const authors = new Set([requester, ...(ctx.started?.commitAuthors ?? [])]);
  const evidence = [...requested, ...waivers, ...operations].map((r) => r.seq);
  if (requested.length === 0 && waivers.length === 0)
    return {
      ...base,
      status: 'not applicable',
      detail: 'no stage of this promotion required approval and nothing was waived',
      evidence: evidence.sort((a, b) => a - b),
    };
  const votes = ctx.approvals;
  const selfApprovals = votes.filter((a) => a.decision === 'approve' && authors.has(a.approver));
  const blind = votes.filter((a) => !a.sawPromotedRelease || !a.sawCurrentPolicyResult);
  const selfWaivers = waivers.filter((w) => authors.has(str(w.data.by) ?? w.actor.id));
  const signer = ctx.started?.signedBy;
  const wrongSigner = signer !== undefined && signer !== requester;
  const problems = [
    ...(requested.length && votes.length === 0 ? ['approval was requested but no vote was recorded'] : []),
    ...(selfApprovals.length ? [`SELF-APPROVAL by ${list(selfApprovals.map((a) => a.approver))}`] : []),
    ...(blind.length ? [`${blind.length} vote(s) bound to a different release or policy result`] : []),
    ...(selfWaivers.length
      ? [`waiver by the requester or an author: ${list(selfWaivers.map((w) => w.actor.id))}`]
      : []),
    ...(wrongSigner ? [`the start was signed by ${signer}, not the requester ${requester ?? '?'}`] : []),
  ];
  return {
    ...base,
    status: problems.length ? 'not met' : 'met',
    detail:
      `requester ${requester ?? '?'}${signer ? ` (signed the start)` : ' (the start is not signed)'}, authors ${list(ctx.started?.commitAuthors ?? [])}` +
      `; votes: ${votes.length ? votes.map((a) => `${a.approver} [${a.groups.join('/') || '?'}] ${a.decision}@${a.stage ?? '?'}`).join(', ') : 'none'}` +
      (waivers.length ? `; waivers by ${list(waivers.map((w) => str(w.data.by) ?? w.actor.id))}` : '') +
      (operations.length ? `; operated by ${list(operations.map((o) => o.actor.id))}` : '') +
      (problems.length
        ? `; ${problems.join('; ')}`
        : '; no approver or waiver is the requester or an author, every vote is bound to the promoted release and policy result'),
    evidence: [...evidence, ...votes.map((v) => v.seq)].sort((a, b) => a - b),
  };
}
