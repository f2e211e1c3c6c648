/**
 * How far a stage's approval is, counted the way the workflow counts it (approval-rules.ts: with
 * distinctGroups, two approvers of the same group count once), and who can still complete it.
 */
import { countedApprovals } from '../../workflows/approval-rules.js';
import type { StageState, VoteRecord } from '../../workflows/types.js';
import type { Principal } from '../config/schema.js';

type Approval = NonNullable<StageState['approval']>;

export interface ApprovalProgress {
  /** Approvals that count toward the quorum. */
  counted: number;
  quorum: number;
  /** Approvals cast, counted or not. */
  cast: number;
  rejectedBy?: string;
  /** Groups one more approval could come from and count. */
  neededGroups: string[];
  /** Principals in those groups who have not voted and did not request the release. */
  eligible: string[];
}

function rule(a: Approval) {
  return { groups: a.groups, quorum: a.quorum, distinctGroups: a.distinctGroups, timeout: '24h' };
}

export function approvalProgress(
  approval: Approval,
  principals: readonly Principal[],
  requester: string,
): ApprovalProgress {
  const counted = countedApprovals(approval.votes, rule(approval));
  const extra = (group: string): VoteRecord => ({
    approver: '',
    decision: 'approve',
    channel: '',
    groups: [group],
    at: '',
    keyId: '',
  });
  const neededGroups =
    counted >= approval.quorum
      ? []
      : approval.groups.filter(
          (g) => countedApprovals([...approval.votes, extra(g)], rule(approval)) > counted,
        );
  const voted = new Set(approval.votes.map((v) => v.approver));
  const eligible = principals
    .filter((p) => p.groups.some((g) => neededGroups.includes(g)) && !voted.has(p.id) && p.id !== requester)
    .map((p) => p.id);
  const rejected = approval.votes.find((v) => v.decision === 'reject');
  return {
    counted,
    quorum: approval.quorum,
    cast: approval.votes.filter((v) => v.decision === 'approve').length,
    ...(rejected ? { rejectedBy: rejected.approver } : {}),
    neededGroups,
    eligible,
  };
}

/** `1/2 approvals; waiting for 1 more approval from security (eligible: carol)`. */
export function describeProgress(p: ApprovalProgress): string {
  if (p.rejectedBy) return `rejected by ${p.rejectedBy}`;
  const tally = `${p.counted}/${p.quorum} approvals${p.cast > p.counted ? ` (${p.cast - p.counted} more from a group already counted)` : ''}`;
  if (p.counted >= p.quorum) return `${tally}; approved`;
  const more = p.quorum - p.counted;
  return `${tally}; waiting for ${more} more approval${more === 1 ? '' : 's'} from ${p.neededGroups.join(' or ')} (eligible: ${p.eligible.join(', ') || 'nobody in the config'})`;
}
