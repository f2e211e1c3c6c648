/**
 * Who may vote on a stage and when a stage is approved: pure functions, unit-tested without a
 * server and used by the `vote` update validator, so the CLI and chat get the same answers.
 */
import type { ApprovalRule } from '../src/config/schema.js';
import type { Signed, TrustSnapshot, VoteAction } from '../src/approvals/actions.js';
import { signatureProblem } from '../src/approvals/verify.js';
import type { VoteRecord } from './types.js';

export interface ApprovalContext {
  promotionId: string;
  /** The stage currently waiting for approval, if any. */
  waitingStage?: string;
  rule?: ApprovalRule;
  releaseDigest: string;
  policyResultHash?: string;
  requester: string;
  commitAuthors: string[];
  votes: VoteRecord[];
  trust: TrustSnapshot;
}

/** Why a vote must be refused, or undefined when it may be counted. */
export function voteProblem(signed: Signed<VoteAction>, ctx: ApprovalContext): string | undefined {
  const vote = signed.payload;
  if (vote.kind !== 'vote') return 'not a vote';
  if (vote.promotionId !== ctx.promotionId)
    return `vote is for promotion ${vote.promotionId}, not ${ctx.promotionId}`;
  if (!ctx.waitingStage || !ctx.rule) return `no stage is waiting for approval (vote was for ${vote.stage})`;
  if (vote.stage !== ctx.waitingStage)
    return `stage ${vote.stage} is not waiting for approval; ${ctx.waitingStage} is`;
  const signatureIssue = signatureProblem(signed, ctx.trust);
  if (signatureIssue) return signatureIssue;
  const principal = ctx.trust.principals.find((p) => p.id === vote.actor);
  if (!principal) return `${vote.actor} is not a known principal`;
  const eligibleGroups = principal.groups.filter((g) => ctx.rule!.groups.includes(g));
  if (eligibleGroups.length === 0)
    return `${vote.actor} is not in an approver group of stage ${vote.stage} (${ctx.rule.groups.join(', ')})`;
  if (vote.actor === ctx.requester)
    return `segregation of duties: ${vote.actor} requested this release and cannot approve it`;
  if (ctx.commitAuthors.includes(vote.actor))
    return `segregation of duties: ${vote.actor} authored commits in this release and cannot approve it`;
  if (ctx.votes.some((v) => v.approver === vote.actor))
    return `${vote.actor} has already voted on stage ${vote.stage}`;
  if (vote.releaseDigest !== ctx.releaseDigest)
    return `vote is bound to release digest ${vote.releaseDigest}, but this promotion deploys ${ctx.releaseDigest}`;
  if (vote.policyResultHash !== ctx.policyResultHash)
    return `vote is bound to policy result ${vote.policyResultHash}, but the current result is ${ctx.policyResultHash}`;
  return undefined;
}

/** The groups a vote counts for, given the rule and the principal's memberships. */
export function eligibleGroups(actor: string, rule: ApprovalRule, trust: TrustSnapshot): string[] {
  const principal = trust.principals.find((p) => p.id === actor);
  return (principal?.groups ?? []).filter((g) => rule.groups.includes(g));
}

/**
 * Approvals that count toward quorum. With `distinctGroups`, each approval must be assignable
 * to a different group: a small bipartite matching (approvers × groups), greedy with
 * augmenting paths, so the order of votes does not matter.
 */
export function countedApprovals(votes: VoteRecord[], rule: ApprovalRule): number {
  const approvals = votes.filter((v) => v.decision === 'approve');
  if (!rule.distinctGroups) return approvals.length;
  const groupOwner = new Map<string, number>();
  const tryAssign = (i: number, seen: Set<string>): boolean => {
    for (const g of approvals[i]!.groups) {
      if (seen.has(g)) continue;
      seen.add(g);
      const owner = groupOwner.get(g);
      if (owner === undefined || tryAssign(owner, seen)) {
        groupOwner.set(g, i);
        return true;
      }
    }
    return false;
  };
  let matched = 0;
  approvals.forEach((_, i) => {
    if (tryAssign(i, new Set())) matched++;
  });
  return matched;
}

export type ApprovalDecision = 'approved' | 'rejected' | 'pending';

export function approvalDecision(votes: VoteRecord[], rule: ApprovalRule): ApprovalDecision {
  if (votes.some((v) => v.decision === 'reject')) return 'rejected';
  return countedApprovals(votes, rule) >= rule.quorum ? 'approved' : 'pending';
}
