/**
 * What the Temporal Web UI shows of a promotion beyond its id. Set by the client at start
 * (user metadata, not workflow code), so it changes no workflow history. The outcome is the
 * `TollgateStatus` search attribute (running, succeeded, rolled-back, aborted, …): a column in
 * the UI's list and the saved query the README gives; the execution itself completes normally
 * because every client reads the promotion's result from it.
 */
import type { Pipeline } from '../config/schema.js';
import type { Release } from '../domain/release.js';

export interface PromotionShown {
  release: Release;
  pipeline: Pipeline;
  releaseDigest: string;
  promotionId: string;
  /** The signer of the start, not the manifest's claim. */
  requester: string;
}

/** Markdown for the UI's details panel: the release, the gates of each stage, how to follow it. */
export function promotionDetails(input: PromotionShown): string {
  const { release, pipeline } = input;
  const stages = pipeline.stages.map((s) => {
    const gates = [
      `policy ${s.policy.packs.length ? s.policy.packs.join(', ') : '(every pack)'}`,
      s.approval
        ? `approval ${s.approval.quorum} of ${s.approval.groups.join(s.approval.distinctGroups ? ' + ' : ' or ')}`
        : undefined,
      s.canary ? `canary ${s.canary.steps.map((c) => `${c.weight}%`).join(' → ')}` : undefined,
    ].filter(Boolean);
    return `- **${s.name}**: ${gates.join(' · ')}`;
  });
  return [
    `**${release.app} ${release.version}** through pipeline \`${pipeline.name}\`, requested by ${input.requester}`,
    '',
    `Change: ${release.change.description}${release.change.ticket ? ` (${release.change.ticket})` : ''}`,
    `Release digest: \`${input.releaseDigest}\``,
    '',
    ...stages,
    '',
    `Outcome: the \`TollgateStatus\` search attribute. Follow it with \`tollgate watch ${input.promotionId}\`.`,
  ].join('\n');
}
