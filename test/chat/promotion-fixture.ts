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
import { Pipeline, type TollgateConfig } from '../../src/config/schema.js';
import { Release } from '../../src/domain/release.js';
import type { NotifyTarget } from '../../src/chat/config.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import type { Logger } from '../../src/logging/logger.js';
import type { TrustSnapshot } from '../../src/approvals/actions.js';
import type { PromotionState } from '../../workflows/types.js';
import { createTrustActivities, sealPolicyResult } from '../../activities/trust.js';
import { generateSigningKey, newNonce, principalKeyId, rawPublicKey, signAction } from '../../src/keys.js';
import { prepareSignedStart, type StartSigner } from '../../src/promotion/prepare.js';
import type { KeyObject } from 'node:crypto';
import type { promotion } from '../../workflows/promotion.js';
import type { Harness } from '../helpers/temporal.js';
import type { AnalysisResult } from '../../src/canary/types.js';
import { sha256Digest } from './support.js';

export const POLICY_RESULT_HASH = sha256Digest('policy-result-of-the-test-pack');

export interface PromotionFixture {
  start(opts?: {
    app?: string;
    requester?: string;
    commitAuthors?: string[];
    quorum?: number;
    /** A canary at prod with one step per verdict, each analysed as scripted here. */
    canary?: AnalysisResult['verdict'][];
  }): Promise<{
    promotionId: string;
    handle: WorkflowHandle<typeof promotion>;
    input: { promotionId: string; releaseDigest: string };
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

  // The orchestration worker's own trust: the hook's principals, each requester's key (made
  // here, as each signs their start), and one pipeline per quorum the tests ask for.
  const orchestrationKey = generateSigningKey();
  const own = { pipelines: [] as Pipeline[], trust: { ...deps.trust, keys: { ...deps.trust.keys } } };
  const requesterKeys = new Map<string, KeyObject>();
  const signerFor = (principal: string): StartSigner => {
    let key = requesterKeys.get(principal);
    if (!key) {
      key = generateSigningKey();
      requesterKeys.set(principal, key);
      own.trust.keys[principalKeyId(principal, rawPublicKey(key))] = {
        publicKeyHex: rawPublicKey(key).toString('hex'),
        kind: 'principal',
        principal,
      };
    }
    const keyId = principalKeyId(principal, rawPublicKey(key));
    return {
      sign: (payload) => signAction(payload, keyId, key),
      base: (promotionId) => ({
        promotionId,
        actor: principal,
        channel: 'cli',
        issuedAt: new Date().toISOString(),
        nonce: newNonce(),
      }),
    };
  };
  const coordination = createCoordinationActivities({ client, taskQueue, ledger });
  const orchestration: OrchestrationActivities = {
    evaluatePolicy: (req) => {
      const evaluation = {
        stage: req.stage,
        passed: true,
        resultHash: POLICY_RESULT_HASH,
        packs: [],
        rules: [],
        facts: {},
        evaluatedAt: req.time,
      };
      return Promise.resolve({ ...evaluation, seal: sealPolicyResult(orchestrationKey, req, evaluation) });
    },
    ...createTrustActivities({
      own,
      key: () => Promise.resolve(orchestrationKey),
      lineStatus: coordination.lineStatus,
      logger: deps.logger,
    }),
    recordEvidence: (input) => ledger.append(input),
    sealPromotion: () => Promise.resolve(undefined),
    archiveHistory: () => Promise.resolve({ sha256: '', events: 0 }),
    ...createNotifyActivities({
      webhooks: deps.notifyTargets,
      logger: deps.logger,
      retry: { initialDelayMs: 50 },
    }),
    ...coordination,
  };
  const canaryVerdicts = new Map<string, AnalysisResult['verdict'][]>();
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
    analyzeCanary: (req) => {
      const verdict = canaryVerdicts.get(req.app)?.[req.step - 1] ?? 'pass';
      return Promise.resolve({
        verdict,
        step: req.step,
        weight: req.weight,
        provider: 'scripted',
        metrics: [],
        reason: `scripted ${verdict}`,
        window: req.window,
      });
    },
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
      if (opts.canary) canaryVerdicts.set(release.app, opts.canary);
      const steps = opts.canary?.map((_, i) => ({ weight: 25 * (i + 1), bake: '100ms' }));
      const pipeline = Pipeline.parse({
        name: `web-quorum-${opts.quorum ?? 1}${steps ? `-canary-${steps.length}` : ''}`,
        stages: [
          {
            name: 'prod',
            target: { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } },
            approval: { groups: ['release-approvers'], quorum: opts.quorum ?? 1 },
            ...(steps ? { canary: { steps } } : {}),
          },
        ],
      });
      if (!own.pipelines.some((p) => p.name === pipeline.name)) own.pipelines.push(pipeline);
      const input = prepareSignedStart(
        { pipelines: [pipeline] } as TollgateConfig,
        release,
        signerFor(release.requester),
        {
          promotionId,
          taskQueue,
          deployQueuePrefix,
        },
      );
      const handle = await client.workflow.start<typeof promotion>('promotion', {
        taskQueue,
        workflowId: promotionId,
        args: [input.start],
      });
      return { promotionId, handle, input };
    },
    async waitForGate(handle, gate) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const state = await handle.query<PromotionState>('state');
        if (state.gate === gate) return state;
        if (Date.now() > deadline || state.status !== 'running')
          throw new Error(
            `promotion never reached gate ${gate} (at ${state.gate}, ${state.status}${state.outcome ? `: ${state.outcome}` : ''})`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      workers.forEach((w) => w.shutdown());
      await Promise.all(running);
    },
  };
}
