/**
 * The checks behind a stage attestation, run twice and independently: by the orchestration
 * activity that issues one and by the stage worker that admits a deploy. Each side passes the
 * trust from its own config; nothing here trusts what the predicate says about who may act.
 */
import type { TollgateConfig, Pipeline, Stage } from '../config/schema.js';
import type { StagePredicate } from '../domain/attestation.js';
import { approvalDecision, eligibleGroups, voteProblem } from '../../workflows/approval-rules.js';
import { isWindowOpen } from '../../workflows/change-windows.js';
import type { VoteRecord } from '../../workflows/types.js';
import { StartAction, VoteAction, WaiverAction, type Signed, type TrustSnapshot } from './actions.js';
import { signatureProblem } from './verify.js';

export interface GateTrust {
  config: Pick<TollgateConfig, 'pipelines'>;
  trust: TrustSnapshot;
}

type SignedShape = { payload: Record<string, unknown>; keyId: string; signature: string };

/** Parses a signed action's payload only after its signature verified against `trust`. */
function verified<T extends StartAction | VoteAction | WaiverAction>(
  signed: SignedShape,
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  trust: TrustSnapshot,
  what: string,
): { action: Signed<T> } | { problem: string } {
  const parsed = schema.safeParse(signed.payload);
  if (!parsed.success) return { problem: `${what} is not a well-formed signed ${what}` };
  // The signature covers the payload exactly as sent, not as parsed (parsing may drop fields).
  const problem = signatureProblem(signed as unknown as Signed<T>, trust);
  if (problem) return { problem: `${what} by ${String(signed.payload.actor)}: ${problem}` };
  return { action: { payload: parsed.data, keyId: signed.keyId, signature: signed.signature } };
}

/** Why a signed start cannot stand for this promotion, or undefined; the requester is its signer. */
export function startProblem(
  start: SignedShape,
  expect: { promotionId: string; pipeline?: string; releaseDigest?: string },
  trust: TrustSnapshot,
): string | undefined {
  const result = verified(start, StartAction, trust, 'start request');
  if ('problem' in result) return result.problem;
  const action = result.action.payload;
  if (action.promotionId !== expect.promotionId)
    return `the start request is for promotion ${action.promotionId}, not ${expect.promotionId}`;
  if (expect.pipeline !== undefined && action.pipeline !== expect.pipeline)
    return `the start request names pipeline ${action.pipeline}, not ${expect.pipeline}`;
  if (expect.releaseDigest !== undefined && action.releaseDigest !== expect.releaseDigest)
    return `the start request signs release ${action.releaseDigest}, not ${expect.releaseDigest}`;
  if (!trust.principals.some((p) => p.id === action.actor))
    return `${action.actor} is not a principal in this worker's config`;
  return undefined;
}

export function findStage(
  config: Pick<TollgateConfig, 'pipelines'>,
  pipelineName: string,
  stageName: string,
): { pipeline: Pipeline; stage: Stage } | { problem: string } {
  const pipeline = config.pipelines.find((p) => p.name === pipelineName);
  if (!pipeline) return { problem: `pipeline ${pipelineName} is not in this worker's config` };
  const stage = pipeline.stages.find((s) => s.name === stageName);
  if (!stage)
    return { problem: `pipeline ${pipelineName} has no stage ${stageName} in this worker's config` };
  return { pipeline, stage };
}

/** The waivers that hold for `stage` at `at`; the first one that does not is a problem. */
function checkedWaivers(
  p: StagePredicate,
  pipeline: Pipeline,
  requester: string,
  trust: TrustSnapshot,
): { waivers: WaiverAction[] } | { problem: string } {
  const waivers: WaiverAction[] = [];
  for (const signed of p.waivers) {
    const result = verified(signed, WaiverAction, trust, 'waiver');
    if ('problem' in result) return result;
    const w = result.action.payload;
    const principal = trust.principals.find((x) => x.id === w.actor);
    if (w.promotionId !== p.promotionId || w.stage !== p.stage)
      return {
        problem: `waiver by ${w.actor} is for ${w.promotionId}/${w.stage}, not ${p.promotionId}/${p.stage}`,
      };
    if (!principal?.groups.some((g) => pipeline.waiverGroups.includes(g)))
      return { problem: `waiver by ${w.actor}: not in a waiver group of pipeline ${pipeline.name}` };
    if (w.actor === requester)
      return { problem: `waiver by ${w.actor}: the requester cannot waive their own release's gates` };
    if (!(Date.parse(w.expiresAt) > Date.parse(p.issuedAt)))
      return { problem: `waiver by ${w.actor} expired at ${w.expiresAt}` };
    waivers.push(w);
  }
  return { waivers };
}

/**
 * Why the gates this predicate claims passed do not hold under `gate` (one side's own config
 * and keys), or undefined. Checks the start, the policy result against the stage's packs, every
 * waiver and vote signature, the approval rule's quorum and segregation of duties, the change
 * window, and for a `passed` stage with a canary, that the canary finished.
 */
export function predicateProblem(p: StagePredicate, gate: GateTrust): string | undefined {
  const found = findStage(gate.config, p.pipeline, p.stage);
  if ('problem' in found) return found.problem;
  const { pipeline, stage } = found;
  const start = startProblem(
    p.start,
    { promotionId: p.promotionId, pipeline: p.pipeline, releaseDigest: p.release.digest },
    gate.trust,
  );
  if (start) return start;
  const requester = String(p.start.payload.actor);

  const required = [...stage.policy.packs].sort().join(',');
  if ([...p.policy.packs].sort().join(',') !== required)
    return `the policy result covers packs [${p.policy.packs.join(', ')}], stage ${stage.name} requires [${required}]`;
  const waiverCheck = checkedWaivers(p, pipeline, requester, gate.trust);
  if ('problem' in waiverCheck) return waiverCheck.problem;
  const waived = (id: string) => waiverCheck.waivers.some((w) => w.waives.includes(id));
  if (!p.policy.passed) {
    const open = p.policy.failedRules.filter((id) => !waived(id));
    if (open.length > 0 || p.policy.failedRules.length === 0)
      return `policy failed at ${stage.name} (${open.join(', ') || 'no rule named'}) and no valid signed waiver covers it`;
  }

  if (stage.approval) {
    const rule = stage.approval;
    const records: VoteRecord[] = [];
    for (const signed of p.votes) {
      const result = verified(signed, VoteAction, gate.trust, 'vote');
      if ('problem' in result) return result.problem;
      const problem = voteProblem(result.action, {
        promotionId: p.promotionId,
        waitingStage: stage.name,
        rule,
        releaseDigest: p.release.digest,
        policyResultHash: p.policy.resultHash,
        requester,
        commitAuthors: [],
        votes: records,
        trust: gate.trust,
      });
      if (problem) return `vote by ${result.action.payload.actor}: ${problem}`;
      const vote = result.action.payload;
      records.push({
        approver: vote.actor,
        decision: vote.decision,
        channel: vote.channel,
        groups: eligibleGroups(vote.actor, rule, gate.trust),
        at: vote.issuedAt,
        keyId: result.action.keyId,
      });
    }
    const decision = approvalDecision(records, rule);
    if (decision !== 'approved')
      return `approval of ${stage.name} is ${decision === 'rejected' ? 'rejected' : `not complete: ${records.length} valid vote(s), quorum ${rule.quorum} of ${rule.groups.join(', ')}${rule.distinctGroups ? ' from distinct groups' : ''}`}`;
  }

  if (stage.changeWindows.length > 0) {
    const ok =
      p.window === 'waived'
        ? waived('change-window')
        : p.window === 'open' && isWindowOpen(stage.changeWindows, new Date(p.issuedAt));
    if (!ok)
      return `stage ${stage.name} was outside its change window at ${p.issuedAt} and no signed waiver covers it`;
  }
  if (p.phase === 'passed' && stage.canary && !p.canary)
    return `stage ${stage.name} has a canary, and the attestation records no canary outcome`;
  return undefined;
}
