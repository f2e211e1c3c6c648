/**
 * The activities of one stage's deploy queue (`tollgate-deploy-<stage>`): deploy, shift traffic,
 * promote, roll back and analyse the canary on that stage's target. They are plain async
 * functions: inside a Temporal activity they heartbeat while they work, and called directly (as
 * tests do) they simply run.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from '../src/logging/logger.js';
import type { CanaryAnalyzer } from '../src/canary/analyzer.js';
import { TargetError, type Target } from '../src/targets/target.js';
import { deployUndoneBy } from '../src/domain/operation-key.js';
import type { StageActivities } from './contracts.js';

const HEARTBEAT_EVERY_MS = 10_000;
/** The workflow's timer and this worker's clock may disagree a little; never wait longer than this for the window to close. */
const MAX_WINDOW_WAIT_MS = 60_000;

export function createStageActivities(deps: {
  target: Target;
  analyzer: CanaryAnalyzer;
  logger: Logger;
  /** How often a running operation heartbeats (default 10 s; the workflows' heartbeat timeout is 1 min). */
  heartbeatEveryMs?: number;
}): StageActivities {
  const { target, analyzer, logger } = deps;
  const every = deps.heartbeatEveryMs ?? HEARTBEAT_EVERY_MS;
  const targetOperation = <T>(op: string, work: () => Promise<T>) => asTargetOperation(op, every, work);
  return {
    deploy: (req) =>
      targetOperation('deploy', () =>
        target.deploy({
          key: req.key,
          app: req.app,
          version: req.version,
          mode: req.mode,
          artifacts: req.artifacts.map(({ name, ref, digest, sha512 }) => ({
            name,
            ref,
            digest,
            ...(sha512 ? { sha512 } : {}),
          })),
        }),
      ),
    setCanaryWeight: (req) =>
      targetOperation('setWeight', () =>
        target.setWeight({ key: req.key, app: req.app, version: req.version, weight: req.weight }),
      ),
    promoteCanary: (req) =>
      targetOperation('promote', () => target.promote({ key: req.key, app: req.app, version: req.version })),
    rollback: (req) =>
      targetOperation('rollback', async () => {
        const toVersion = req.toVersion ?? (await versionBeforeThisPromotion(target, req.key, req.app));
        return target.rollback({
          key: req.key,
          app: req.app,
          ...(toVersion !== undefined ? { toVersion } : {}),
        });
      }),
    analyzeCanary: (req) =>
      heartbeating(every, async () => {
        await untilPassed(req.window.end);
        const result = await analyzer.analyze({
          app: req.app,
          stage: req.stage,
          canaryVersion: req.canaryVersion,
          ...(req.baselineVersion !== undefined ? { baselineVersion: req.baselineVersion } : {}),
          step: req.step,
          weight: req.weight,
          config: req.config,
          window: req.window,
          target,
        });
        logger.info(
          { app: req.app, stage: req.stage, step: req.step, verdict: result.verdict },
          'canary analysis',
        );
        return result;
      }),
    servingState: (req) => targetOperation('status', () => target.status(req.app)),
  };
}

/**
 * A rollback whose promotion never completed its deploy at this stage (the deploy itself failed)
 * must leave the stable version as it is, not go back one more version. Keys follow
 * `<promotionId>/<stage>/<op>`, so the deploy's key is known; when the log lacks it, the version
 * to keep is the current stable one (undefined: let the target decide).
 */
async function versionBeforeThisPromotion(
  target: Target,
  rollbackKey: string,
  app: string,
): Promise<string | undefined> {
  const deployKey = deployUndoneBy(rollbackKey);
  if (!deployKey) return undefined;
  const log = await target.operationLog();
  if (log.some((e) => e.key === deployKey || e.key === rollbackKey)) return undefined;
  return (await target.status(app)).stable?.version;
}

async function asTargetOperation<T>(op: string, everyMs: number, work: () => Promise<T>): Promise<T> {
  try {
    return await heartbeating(everyMs, work);
  } catch (err) {
    if (!(err instanceof TargetError)) throw err;
    if (err.retryable) throw ApplicationFailure.retryable(err.message, 'TargetError', { op });
    throw ApplicationFailure.nonRetryable(err.message, 'TargetError', { op });
  }
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

async function heartbeating<T>(everyMs: number, work: () => Promise<T>): Promise<T> {
  const ctx = activityContext();
  if (!ctx) return work();
  // No heartbeat at the start: the heartbeat timeout runs from the start anyway, and nearly every
  // operation ends before the first interval, so each spares the server a heartbeat (a persisted
  // update of the workflow's state; 10 per promotion when every operation sent one).
  const timer = setInterval(() => ctx.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

async function untilPassed(iso: string): Promise<void> {
  const wait = Math.min(Date.parse(iso) - Date.now(), MAX_WINDOW_WAIT_MS);
  if (!(wait > 0)) return;
  const ctx = activityContext();
  if (ctx) await ctx.sleep(wait);
  else await new Promise((r) => setTimeout(r, wait));
}
