/**
 * Stage attestations on the workflow side: asks the orchestration worker to issue one from the
 * signed start, the sealed policy result, the signed votes and waivers, and keeps it for the
 * stage workers, which check it themselves. A refusal is evidence and stops the promotion.
 */
import type { Stage } from '../src/config/schema.js';
import type { AttestationPhase } from '../src/domain/attestation.js';
import { isWindowOpen } from './change-windows.js';
import type { PromotionRun } from './run.js';
import type { StageStop } from './types.js';

export async function attestStage(
  run: PromotionRun,
  stage: Stage,
  phase: AttestationPhase,
): Promise<StageStop | undefined> {
  const trusted = run.input.trusted;
  if (!trusted) return undefined;
  const seal = run.policySeal(stage.name);
  const canary = run.stageState(stage.name).canary;
  const result = seal
    ? await run.orchestration.issueStageAttestation({
        promotionId: run.input.promotionId,
        stage: stage.name,
        phase,
        start: trusted.start,
        release: run.input.release,
        policy: seal,
        votes: run.signedVotesFor(stage.name),
        waivers: run.signedWaiversFor(stage.name),
        window:
          stage.changeWindows.length === 0
            ? 'none'
            : isWindowOpen(stage.changeWindows, new Date())
              ? 'open'
              : 'waived',
        canary:
          phase === 'passed' && stage.canary
            ? {
                verdict: run.promoteNowRequested ? 'promoted-now' : 'pass',
                analyses: canary?.analyses.length ?? 0,
              }
            : null,
      })
    : { refused: 'the policy result of this stage carries no seal of the orchestration worker' };
  if ('refused' in result) {
    await run.evidence.add(
      'security.refused',
      { refusal: 'stage-attestation', phase, reason: result.refused },
      { stage: stage.name },
    );
    return {
      status: 'failed',
      outcome: `stage ${stage.name} was not attested (${phase}): ${result.refused}`,
    };
  }
  run.addAttestation(result.envelope);
  await run.evidence.add('stage.attested', { phase, envelope: result.envelope }, { stage: stage.name });
  return undefined;
}
