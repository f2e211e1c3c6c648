/**
 * The canary loop of a stage: for each step, shift traffic, bake (skippable by promote-now,
 * held by pause), analyse. pass → next step; fail → roll back; inconclusive → ask a human (or
 * roll back, as configured). After the last step the canary becomes stable.
 */
import { condition, patched } from '@temporalio/workflow';
import type { Stage } from '../src/config/schema.js';
import type { CanaryConfig, Measurements } from '../src/canary/config.js';
import { durationMs } from '../src/domain/duration.js';
import { formatOperationKey } from '../src/domain/operation-key.js';
import {
  EMPTY_TALLY,
  addMeasurement,
  concludeMeasurements,
  type StepDecision,
} from './canary-measurements.js';
import type { PromotionRun } from './run.js';
import type { StageStop } from './types.js';

/** How long a human has to decide on an inconclusive analysis before Tollgate rolls back. */
const DECISION_TIMEOUT = '24h';

/**
 * patched() id: steps with `canary.measurements` take several measurements during their bake.
 * Only configurations that set it reach the patch, so earlier histories replay unchanged.
 */
export const REPEATED_MEASUREMENTS = 'canary-repeated-measurements';
/** Histories from before this patch analysed (and could roll back) after promote-now. */
const PROMOTE_NOW_SKIPS_ANALYSIS = 'promote-now-skips-analysis';

export async function runCanary(
  run: PromotionRun,
  stage: Stage,
  config: CanaryConfig,
): Promise<StageStop | undefined> {
  const activities = run.stageActivities(stage);
  const version = run.input.release.version;
  const state = run.stageState(stage.name);
  const baselineVersion = state.deploy?.serving?.stable?.version;
  state.canary = { step: 0, steps: config.steps.length, weight: 0, analyses: [], awaitingDecision: false };

  for (const [index, step] of config.steps.entries()) {
    await run.waitWhilePaused();
    run.setGate('canary');
    const serving = await activities.setCanaryWeight({
      ...run.operation(stage, 'weight', index),
      version,
      weight: step.weight,
    });
    state.canary.step = index + 1;
    state.canary.weight = step.weight;
    state.deploy = { version, serving };
    await run.evidence.add(
      'canary.step',
      { step: index + 1, weight: step.weight, serving },
      { stage: stage.name },
    );

    let analysis: StepDecision;
    if (config.measurements && config.measurements.count > 1 && patched(REPEATED_MEASUREMENTS)) {
      analysis = await measureRepeatedly(run, stage, config, config.measurements, index, baselineVersion);
    } else {
      const bakeStart = new Date().toISOString();
      state.canary.bakeEndsAt = new Date(Date.now() + durationMs(step.bake)).toISOString();
      if (!run.promoteNowRequested) await condition(() => run.promoteNowRequested, durationMs(step.bake));
      await run.waitWhilePaused();
      // promote-now takes the canary as it is: the analysis of a bake cut short reads (almost) no
      // traffic, and its inconclusive verdict must not roll back a healthy release.
      if (run.promoteNowRequested && patched(PROMOTE_NOW_SKIPS_ANALYSIS)) break;
      const single = await activities.analyzeCanary({
        ...run.operation(stage, 'analysis', index),
        canaryVersion: version,
        ...(baselineVersion ? { baselineVersion } : {}),
        step: index + 1,
        weight: step.weight,
        config,
        window: { start: bakeStart, end: new Date().toISOString() },
      });
      state.canary.analyses.push(single);
      await run.evidence.add('canary.analysis', single, { stage: stage.name });
      run.log(
        'canary.analysis',
        `step ${index + 1} at ${step.weight}%: ${single.verdict} (${single.reason})`,
        stage.name,
      );
      analysis = single;
    }

    if (analysis.verdict === 'fail')
      return {
        status: 'rolled-back',
        outcome: `canary failed at ${stage.name} step ${index + 1}: ${analysis.reason}`,
      };
    if (analysis.verdict === 'inconclusive') {
      if (config.onInconclusive === 'rollback')
        return {
          status: 'rolled-back',
          outcome: `canary inconclusive at ${stage.name} step ${index + 1}: ${analysis.reason}`,
        };
      state.canary.awaitingDecision = true;
      run.clearCanaryDecision();
      run.notify(
        'canary-inconclusive',
        stage.name,
        `canary step ${index + 1} inconclusive: ${analysis.reason}`,
      );
      const decision = await run.awaitCanaryDecision(DECISION_TIMEOUT);
      state.canary.awaitingDecision = false;
      if (decision !== 'continue')
        return {
          status: 'rolled-back',
          outcome: decision
            ? `canary at ${stage.name} rolled back by decision after an inconclusive analysis`
            : `no decision on the inconclusive canary at ${stage.name} within ${DECISION_TIMEOUT}`,
        };
    }
  }

  const serving = await activities.promoteCanary({ ...run.operation(stage, 'promote'), version });
  state.deploy = { version, serving };
  await run.evidence.add('canary.promoted', { version, serving }, { stage: stage.name });
  return undefined;
}

/**
 * One step's bake as `count` measurements, each over its own window of `interval`; the tally
 * decides as soon as a limit is exceeded. promote-now ends the bake after the measurement under
 * way, and the step is judged on the measurements taken.
 */
async function measureRepeatedly(
  run: PromotionRun,
  stage: Stage,
  config: CanaryConfig,
  policy: Measurements,
  index: number,
  baselineVersion: string | undefined,
): Promise<StepDecision> {
  const activities = run.stageActivities(stage);
  const state = run.stageState(stage.name);
  const step = config.steps[index]!;
  const intervalMs =
    policy.interval !== undefined
      ? durationMs(policy.interval)
      : Math.floor(durationMs(step.bake) / policy.count);
  let tally = EMPTY_TALLY;
  for (let number = 1; number <= policy.count; number++) {
    const windowStart = new Date().toISOString();
    if (!run.promoteNowRequested) await condition(() => run.promoteNowRequested, intervalMs);
    await run.waitWhilePaused();
    const operation = run.operation(stage, 'analysis', index);
    const measured = await activities.analyzeCanary({
      ...operation,
      key: formatOperationKey({
        promotionId: run.input.promotionId,
        stage: stage.name,
        op: 'analysis',
        step: index,
        measurement: number,
      }),
      canaryVersion: run.input.release.version,
      ...(baselineVersion ? { baselineVersion } : {}),
      step: index + 1,
      weight: step.weight,
      config,
      window: { start: windowStart, end: new Date().toISOString() },
    });
    const analysis = { ...measured, measurement: { number, count: policy.count } };
    state.canary!.analyses.push(analysis);
    await run.evidence.add('canary.analysis', analysis, { stage: stage.name });
    run.log(
      'canary.analysis',
      `step ${index + 1} at ${step.weight}%, measurement ${number}/${policy.count}: ${analysis.verdict} (${analysis.reason})`,
      stage.name,
    );
    const added = addMeasurement(policy, tally, analysis);
    tally = added.tally;
    if (added.decision) return added.decision;
    if (run.promoteNowRequested) break;
  }
  return concludeMeasurements(tally);
}
