/**
 * Real promotions waiting for approval on the dev server, for the hook to act on. The workflow
 * is the real `promotion`; its activities are the smallest honest ones: evidence into the real
 * file ledger, the real stage-lock coordination, the real notify activity, a policy evaluation
 * that passes, and a deploy that reports the new version serving.
 */
import type { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { createCoordinationActivities } from '../../activities/coordination.js';
import { createNotifyActivities } from '../../activities/notify.js';
import type { OrchestrationActivities, StageActivities } from '../../activities/contracts.js';
import { canonicalJson } from '../../src/domain/canonical.js';
import { Pipeline } from '../../src/config/schema.js';
import { Release } from '../../src/domain/release.js';
import type { NotifyTarget } from '../../src/chat/config.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import type { Logger } from '../../src/logging/logger.js';
import type { TrustSnapshot } from '../../src/approvals/actions.js';
import type { PromotionInput, PromotionState } from '../../workflows/types.js';
import type { promotion } from '../../workflows/promotion.js';
import type { Harness } from '../helpers/temporal.js';
import { sha256Digest } from './support.js';

export const POLICY_RESULT_HASH = sha256Digest('policy-result-of-the-test-pack');

export interface PromotionFixture {
  start(opts?: { app?: string; requester?: string; commitAuthors?: string[]; quorum?: number }): Promise<{
    promotionId: string;
    handle: WorkflowHandle<typeof promotion>;
    input: PromotionInput;
  }>;
  waitForGate(handle: WorkflowHandle, gate: string): Promise<PromotionState>;
  stop(): Promise<void>;
}

let counter = 0;

export async function startPromotionFixture(deps: {
  temporal: Harness;
  ledger: Ledger;
  trust: TrustSnapshot;
  notifyTargets: NotifyTarget[];
  logger: Logger;
  /** Called as each deploy activity starts, with its idempotency key (`<promotionId>/prod/deploy`). */
  onDeployStarted?: (key: string) => void;
}): Promise<PromotionFixture> {
  const { temporal, ledger } = deps;
  const taskQueue = temporal.taskQueue('hook-orch');
  const deployQueuePrefix = `${taskQueue}-deploy-`;
  const client = temporal.env.client;

  const orchestration: OrchestrationActivities = {
    evaluatePolicy: (req) =>
      Promise.resolve({
        stage: req.stage,
        passed: true,
        resultHash: POLICY_RESULT_HASH,
        packs: [],
        rules: [],
        facts: {},
        evaluatedAt: req.time,
      }),
    recordEvidence: (input) => ledger.append(input),
    sealPromotion: () => Promise.resolve(undefined),
    archiveHistory: () => Promise.resolve({ sha256: '', events: 0 }),
    ...createNotifyActivities({
      webhooks: deps.notifyTargets,
      logger: deps.logger,
      retry: { initialDelayMs: 50 },
    }),
    ...createCoordinationActivities({ client, taskQueue }),
  };
  const serving = (app: string, version?: string) =>
    Promise.resolve({ app, ...(version ? { stable: { version, healthy: true } } : {}) });
  const stage: StageActivities = {
    deploy: (req) => {
      deps.onDeployStarted?.(req.key);
      return serving(req.app, req.version);
    },
    setCanaryWeight: (req) => serving(req.app, req.version),
    promoteCanary: (req) => serving(req.app, req.version),
    rollback: (req) => serving(req.app, req.toVersion),
    analyzeCanary: () => Promise.reject(new Error('the hook fixture has no canary')),
    servingState: (req) => serving(req.app),
  };

  const workers: Worker[] = [
    await temporal.createWorker({ taskQueue, activities: orchestration }),
    await temporal.createWorker({ taskQueue: `${deployQueuePrefix}prod`, activities: stage }),
  ];
  const running = workers.map((w) => w.run());

  return {
    async start(opts = {}) {
      const n = ++counter;
      const promotionId = `hook-${process.pid}-${n}-${Date.now().toString(36)}`;
      const release = Release.parse({
        apiVersion: 'tollgate.dev/v1',
        kind: 'Release',
        app: opts.app ?? `web-${n}`,
        version: `1.${n}.0`,
        artifacts: [
          {
            name: 'web',
            ref: `registry.example/web@${sha256Digest(`web-${n}`)}`,
            digest: sha256Digest(`web-${n}`),
          },
        ],
        requester: opts.requester ?? 'rita',
        commitAuthors: opts.commitAuthors ?? [],
        change: { description: 'hook test release' },
      });
      const pipeline = Pipeline.parse({
        name: 'web',
        stages: [
          {
            name: 'prod',
            target: { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } },
            approval: { groups: ['release-approvers'], quorum: opts.quorum ?? 1 },
          },
        ],
      });
      const input: PromotionInput = {
        promotionId,
        release,
        releaseDigest: sha256Digest(canonicalJson(release)!),
        pipeline,
        trust: deps.trust,
        taskQueue,
        deployQueuePrefix,
      };
      const handle = await client.workflow.start<typeof promotion>('promotion', {
        taskQueue,
        workflowId: promotionId,
        args: [input],
      });
      return { promotionId, handle, input };
    },
    async waitForGate(handle, gate) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const state = await handle.query<PromotionState>('state');
        if (state.gate === gate) return state;
        if (Date.now() > deadline)
          throw new Error(`promotion never reached gate ${gate} (at ${state.gate}, ${state.status})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      workers.forEach((w) => w.shutdown());
      await Promise.all(running);
    },
  };
}
