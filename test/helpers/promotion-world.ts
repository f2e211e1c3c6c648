/**
 * A small world for promotion workflow tests: principals with real Ed25519 keys, a config with
 * a dev → staging → prod pipeline, an orchestration worker and one worker per stage queue.
 *
 * The workflow is what these tests examine; the activities at its boundary are recording
 * implementations whose behaviour each test scripts through release labels:
 *   test.failRules = "rule-a,rule-b"   policy rules that fail
 *   test.canary    = "pass,fail"       canary verdicts, one per step ("pass/error/fail": one
 *                                      per repeated measurement; `error`: a provider error)
 *   test.deploy    = "fail@prod"       the deploy to that stage fails permanently
 * Evidence goes to the real file ledger (in a temporary directory). Targets, policy packs and
 * canary analysis have their own suites against real processes and servers.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { TollgateConfig, type Pipeline } from '../../src/config/schema.js';
import { Release, type ReleaseInput } from '../../src/domain/release.js';
import type { EvidenceRecord } from '../../src/domain/evidence.js';
import { createLedger } from '../../src/ledger/create.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createLogger } from '../../src/logging/logger.js';
import { createEvidenceActivities } from '../../activities/evidence.js';
import {
  generateSigningKey,
  newNonce,
  principalKeyId,
  publicKeyText,
  rawPublicKey,
  signAction,
} from '../../src/keys.js';
import type {
  ControlAction,
  StartAction,
  FreezeAction,
  Signed,
  VoteAction,
  WaiverAction,
} from '../../src/approvals/actions.js';
import { prepareSignedStart } from '../../src/promotion/prepare.js';
import { createTrustActivities, sealPolicyResult, workerTrust } from '../../activities/trust.js';
import { admitStageOperations } from '../../activities/admission.js';
import { createCoordinationActivities } from '../../activities/coordination.js';
import type {
  NotifyRequest,
  OrchestrationActivities,
  PolicyRequest,
  StageActivities,
} from '../../activities/contracts.js';
import type { ServingState } from '../../src/targets/target.js';
import type { AnalysisResult } from '../../src/canary/types.js';
import type { PolicyEvaluation } from '../../src/policy/types.js';
import { controlUpdate, stateQuery, voteUpdate, waiveUpdate } from '../../workflows/messages.js';
import { stageLockWorkflowId } from '../../workflows/stage-lock.js';
import type { promotion } from '../../workflows/promotion.js';
import type { PromotionStart, PromotionState } from '../../workflows/types.js';
import type { Pipeline as PipelineConfig } from '../../src/config/schema.js';
import { workflowBundle, type Harness } from './temporal.js';
import { versionToRestoreFrom } from '../../src/domain/rollback-rule.js';

export const PEOPLE = {
  alice: ['developers'],
  bob: ['release-managers'],
  carol: ['security'],
  dave: ['developers'],
  erin: ['operators', 'release-managers'],
} as const;
export type Person = keyof typeof PEOPLE;

export const keys: Record<Person, KeyObject> = Object.fromEntries(
  Object.keys(PEOPLE).map((p) => [p, generateSigningKey()]),
) as Record<Person, KeyObject>;

export function keyIdOf(person: Person): string {
  return principalKeyId(person, rawPublicKey(keys[person]));
}

/** The world's people as config principals, each with their public key. */
export function testPrincipals() {
  return Object.entries(PEOPLE).map(([id, groups]) => ({
    id,
    groups: [...groups],
    publicKeys: [publicKeyText(keys[id as Person])],
  }));
}

export function testConfig(pipeline: Partial<Pipeline> & { stages?: unknown[] } = {}): TollgateConfig {
  return TollgateConfig.parse({
    apiVersion: 'tollgate.dev/v1',
    kind: 'Config',
    principals: testPrincipals(),
    pipelines: [
      {
        name: 'default',
        waiverGroups: ['security'],
        operatorGroups: ['operators'],
        stages: [
          { name: 'dev', target: { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } } },
          {
            name: 'staging',
            target: { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } },
            approval: { groups: ['release-managers'], quorum: 1 },
          },
          {
            name: 'prod',
            target: { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } },
            approval: { groups: ['release-managers', 'security'], quorum: 2, distinctGroups: true },
            canary: {
              steps: [
                { weight: 10, bake: '1s' },
                { weight: 50, bake: '1s' },
                { weight: 100, bake: '1s' },
              ],
            },
          },
        ],
        ...pipeline,
      },
    ],
  });
}

export function testRelease(overrides: Partial<ReleaseInput> = {}): Release {
  return Release.parse({
    apiVersion: 'tollgate.dev/v1',
    kind: 'Release',
    app: 'billing-api',
    version: '1.4.2',
    artifacts: [
      {
        name: 'api',
        ref: `registry.example.com/billing-api@sha256:${'a'.repeat(64)}`,
        digest: `sha256:${'a'.repeat(64)}`,
      },
    ],
    requester: 'alice',
    change: { description: 'Add invoice export' },
    commitAuthors: ['dave'],
    ...overrides,
  });
}

export interface TargetOp {
  key: string;
  app: string;
  op: string;
  stage: string;
  version?: string;
  weight?: number;
}

/** The policy gate as scripted by the release's `test.failRules` label. */
function scriptedPolicy(req: PolicyRequest): PolicyEvaluation {
  const failing = (req.release.labels['test.failRules'] ?? '').split(',').filter(Boolean);
  const rules = ['artifact-digest-pinned', 'sbom-present', ...failing].map((ruleId) => ({
    pack: 'test',
    ruleId,
    description: ruleId,
    severity: 'high' as const,
    outcome: failing.includes(ruleId) ? ('fail' as const) : ('pass' as const),
    controls: ['ISO27001:A.8.32'],
    factsRead: [],
  }));
  return {
    stage: req.stage,
    passed: failing.length === 0,
    resultHash: `hash-${req.stage}-${failing.join('+') || 'clean'}`,
    packs: [{ name: 'test', version: 'v1' }],
    rules,
    facts: {},
    evaluatedAt: req.time,
  };
}

/** Records every target operation once per idempotency key, as a real target must. */
function recordingStageActivities(
  stage: string,
  world: {
    ops: TargetOp[];
    serving: Map<string, ServingState>;
    labels: () => Map<string, Record<string, string>>;
  },
): StageActivities {
  const once = (key: string, op: TargetOp) => {
    if (!world.ops.some((o) => o.key === key)) world.ops.push(op);
  };
  const serving = (app: string) => world.serving.get(`${app}/${stage}`) ?? { app };
  const set = (app: string, s: ServingState) => {
    world.serving.set(`${app}/${stage}`, s);
    return s;
  };
  const labelsOf = (app: string) => world.labels().get(app) ?? {};
  return {
    async deploy(req) {
      if (labelsOf(req.app)['test.deploy'] === `fail@${stage}`)
        throw ApplicationFailure.nonRetryable(
          `target refused ${req.version}: image pull failed`,
          'TargetError',
        );
      once(req.key, { key: req.key, app: req.app, op: 'deploy', stage, version: req.version });
      const current = serving(req.app);
      return set(
        req.app,
        req.mode === 'canary'
          ? { ...current, canary: { version: req.version, weight: 0, healthy: true } }
          : {
              app: req.app,
              stable: { version: req.version, healthy: true },
              ...(current.stable ? { previousStable: current.stable.version } : {}),
            },
      );
    },
    async setCanaryWeight(req) {
      once(req.key, {
        key: req.key,
        app: req.app,
        op: 'setWeight',
        stage,
        version: req.version,
        weight: req.weight,
      });
      return set(req.app, {
        ...serving(req.app),
        canary: { version: req.version, weight: req.weight, healthy: true },
      });
    },
    async promoteCanary(req) {
      once(req.key, { key: req.key, app: req.app, op: 'promote', stage, version: req.version });
      const current = serving(req.app);
      return set(req.app, {
        app: req.app,
        stable: { version: req.version, healthy: true },
        ...(current.stable ? { previousStable: current.stable.version } : {}),
      });
    },
    async rollback(req) {
      once(req.key, { key: req.key, app: req.app, op: 'rollback', stage });
      const current = serving(req.app);
      const restored = versionToRestoreFrom(current, req.toVersion);
      return set(req.app, {
        app: req.app,
        ...(restored ? { stable: { version: restored, healthy: true } } : {}),
      });
    },
    async analyzeCanary(req): Promise<AnalysisResult> {
      const verdicts = (labelsOf(req.app)['test.canary'] ?? '').split(',').filter(Boolean);
      // A step with repeated measurements scripts one verdict each, `pass/error/fail`; its
      // analyses' keys end in the measurement's number.
      const perMeasurement = (verdicts[req.step - 1] ?? 'pass').split('/');
      const number = Number(/\/(\d+)$/.exec(req.key.split('/analysis/')[1] ?? '')?.[1] ?? 1);
      const scripted = perMeasurement[Math.min(number, perMeasurement.length) - 1]!;
      if (scripted === 'error')
        return {
          verdict: 'inconclusive',
          step: req.step,
          weight: req.weight,
          provider: 'scripted',
          metrics: [],
          reason: 'no measurements: scripted provider error',
          window: req.window,
          providerError: 'scripted provider error',
        };
      const verdict = scripted as AnalysisResult['verdict'];
      return {
        verdict,
        step: req.step,
        weight: req.weight,
        provider: 'scripted',
        metrics: [
          {
            name: 'error-rate',
            verdict,
            canary: verdict === 'fail' ? 0.2 : 0.001,
            baseline: 0.001,
            reason: `scripted ${verdict}`,
          },
        ],
        reason: `error-rate ${verdict}`,
        window: req.window,
      };
    },
    async servingState(req) {
      return serving(req.app);
    },
  };
}

/** The orchestration worker's key in every world: stage workers trust its public part. */
export const orchestrationKey = generateSigningKey();

const sign = <T extends VoteAction | ControlAction | WaiverAction | FreezeAction | StartAction>(
  person: Person,
  payload: T,
) => signAction(payload, keyIdOf(person), keys[person]);
const base = (person: Person, promotionId: string) => ({
  promotionId,
  actor: person,
  channel: 'cli' as const,
  issuedAt: new Date().toISOString(),
  nonce: newNonce(),
});

/** `person`'s signed vote on `stage`, bound to the release digest and policy result the promotion shows. */
export function signedVote(
  state: PromotionState,
  person: Person,
  stage: string,
  decision: 'approve' | 'reject' = 'approve',
  bind: { releaseDigest?: string; policyResultHash?: string } = {},
): Signed<VoteAction> {
  return sign(person, {
    ...base(person, state.promotionId),
    kind: 'vote',
    stage,
    decision,
    releaseDigest: bind.releaseDigest ?? state.releaseDigest,
    policyResultHash:
      bind.policyResultHash ?? state.stages.find((s) => s.name === stage)?.policy?.resultHash ?? '',
  });
}

/** `person`'s signed control command (pause, abort, continue, …) for a promotion. */
export function signedControl(
  promotionId: string,
  person: Person,
  command: ControlAction['command'],
  reason?: string,
): Signed<ControlAction> {
  return sign(person, {
    ...base(person, promotionId),
    kind: 'control',
    command,
    ...(reason ? { reason } : {}),
  });
}

/** What a test knows about a promotion it started. */
export interface StartedPromotion {
  promotionId: string;
  releaseDigest: string;
  pipeline: PipelineConfig;
  start: PromotionStart;
}

/** The requester's signed start of `release` through `config`'s pipeline. */
export function signedStart(
  config: TollgateConfig,
  release: Release,
  opts: { promotionId: string; taskQueue: string; deployQueuePrefix: string; as?: Person },
): StartedPromotion {
  const person = opts.as ?? (release.requester as Person);
  return prepareSignedStart(
    config,
    release,
    { sign: (p) => sign(person, p), base: (id) => base(person, id) },
    opts,
  );
}

export interface World {
  client: Client;
  config: TollgateConfig;
  taskQueue: string;
  deployQueuePrefix: string;
  ops: TargetOp[];
  ledger: Ledger;
  /** The promotion's evidence chain as stored in the ledger. */
  chain(promotionId: string): Promise<EvidenceRecord[]>;
  notifications: NotifyRequest[];
  /** Starts a promotion of `release` through the world's pipeline. */
  start(
    release: Release,
    opts?: { config?: TollgateConfig; promotionId?: string; as?: Person },
  ): Promise<{ handle: WorkflowHandle<typeof promotion>; input: StartedPromotion }>;
  vote(
    handle: WorkflowHandle,
    person: Person,
    stage: string,
    decision?: 'approve' | 'reject',
    bind?: { releaseDigest?: string; policyResultHash?: string },
  ): Promise<unknown>;
  control(
    handle: WorkflowHandle,
    person: Person,
    command: ControlAction['command'],
    reason?: string,
  ): Promise<unknown>;
  waive(
    handle: WorkflowHandle,
    person: Person,
    stage: string,
    waives: string[],
    expiresInMs?: number,
  ): Promise<unknown>;
  freezeAction(person: Person, frozen: boolean, reason: string): ReturnType<typeof signAction<FreezeAction>>;
  /** Waits until the promotion's live state satisfies `predicate`. */
  waitFor(
    handle: WorkflowHandle,
    predicate: (s: Awaited<ReturnType<typeof queryState>>) => boolean,
    what: string,
  ): Promise<Awaited<ReturnType<typeof queryState>>>;
  run<T>(fn: () => Promise<T>): Promise<T>;
}

const queryState = (handle: WorkflowHandle) => handle.query(stateQuery);

/**
 * A ledger directory that lives as long as this process: every test file and benchmark run is
 * a process of its own, and a day of runs otherwise leaves gigabytes of ledgers in /tmp.
 */
const temporaryLedgers: string[] = [];
function temporaryLedgerDir(): string {
  if (temporaryLedgers.length === 0)
    process.once('exit', () => {
      for (const dir of temporaryLedgers) rmSync(dir, { recursive: true, force: true });
    });
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-ledger-'));
  temporaryLedgers.push(dir);
  return dir;
}

export async function createWorld(
  harness: Harness,
  opts: {
    stages?: string[];
    evidenceFailures?: number;
    /** An existing file ledger to record into (default: a new temporary one). */
    ledgerDir?: string;
    /** Workflow interceptor modules for the orchestration worker (disturbing workflows on purpose). */
    interceptorModules?: string[];
  } = {},
): Promise<World> {
  const client = harness.env.client;
  const config = testConfig();
  const taskQueue = harness.taskQueue('orchestration');
  const deployQueuePrefix = `${harness.taskQueue('deploy')}-`;
  const ops: TargetOp[] = [];
  const serving = new Map<string, ServingState>();
  const logger = createLogger({ level: 'error', pretty: false });
  const ledger = await createLedger(
    { type: 'file', path: opts.ledgerDir ?? temporaryLedgerDir() },
    { logger },
  );
  const evidenceActivities = createEvidenceActivities({ ledger, client, logger });
  const notifications: NotifyRequest[] = [];
  const labels = new Map<string, Record<string, string>>();
  let failuresLeft = opts.evidenceFailures ?? 0;
  const started: string[] = [];
  const locks = new Set<string>();

  const orchestrationKeyLoader = () => Promise.resolve(orchestrationKey);
  // The workers' own config. A test that starts with a config of its own adds its pipeline here
  // under a name of its own, as an operator would add a pipeline to the workers' config.
  const own = { ...workerTrust(config), pipelines: [...config.pipelines] };
  const ownPipelines = new Map<TollgateConfig, PipelineConfig>();
  const coordination = createCoordinationActivities({ client, taskQueue, ledger });
  const orchestration: OrchestrationActivities = {
    async evaluatePolicy(req) {
      const evaluation = scriptedPolicy(req);
      return { ...evaluation, seal: sealPolicyResult(orchestrationKey, req, evaluation) };
    },
    ...createTrustActivities({
      own,
      key: orchestrationKeyLoader,
      lineStatus: coordination.lineStatus,
      logger,
    }),
    async recordEvidence(input) {
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new Error('ledger temporarily unavailable');
      }
      return evidenceActivities.recordEvidence(input);
    },
    sealPromotion: evidenceActivities.sealPromotion,
    archiveHistory: evidenceActivities.archiveHistory,
    async notify(req) {
      notifications.push(req);
    },
    ...coordination,
  };

  const world = { ops, serving, labels: () => labels };
  const stages = opts.stages ?? ['dev', 'staging', 'prod'];
  const workers: Worker[] = [
    await harness.createWorker({
      taskQueue,
      activities: orchestration,
      ...(opts.interceptorModules
        ? { workflowBundle: await workflowBundle(undefined, opts.interceptorModules) }
        : {}),
    }),
    ...(await Promise.all(
      stages.map((stage) =>
        harness.createWorker({
          taskQueue: `${deployQueuePrefix}${stage}`,
          activities: admitStageOperations(recordingStageActivities(stage, world), {
            stage,
            own,
            keys: () => Promise.resolve([rawPublicKey(orchestrationKey)]),
            ledger: () => Promise.resolve(ledger),
            logger,
          }),
        }),
      ),
    )),
  ];

  /**
   * Finished promotions leave archive workflows and idle stage locks finishing on this world's
   * queue. Let them finish before the workers go: a task left without a worker would stop a
   * time-skipping server from ever skipping time again.
   */
  async function settleArchives(): Promise<void> {
    await Promise.all(
      [...started.map((id) => `${id}-archive`), ...locks].map(async (id) => {
        const archive = client.workflow.getHandle(id);
        try {
          await archive.result();
        } catch {
          await archive.terminate('test world closing').catch(() => undefined);
        }
      }),
    );
  }

  return {
    client,
    config,
    taskQueue,
    deployQueuePrefix,
    ops,
    ledger,
    chain: (promotionId) => ledger.read(promotionId),
    notifications,
    async start(release, startOpts = {}) {
      labels.set(release.app, release.labels);
      let startConfig = config;
      if (startOpts.config) {
        // One pipeline per config object: promotions started with the same one share it.
        let pipeline = ownPipelines.get(startOpts.config);
        if (!pipeline) {
          pipeline = { ...startOpts.config.pipelines[0]!, name: `test-${ownPipelines.size + 1}` };
          ownPipelines.set(startOpts.config, pipeline);
          own.pipelines.push(pipeline);
        }
        startConfig = { ...startOpts.config, pipelines: [pipeline] };
      }
      const input = signedStart(startConfig, release, {
        taskQueue,
        deployQueuePrefix,
        promotionId: startOpts.promotionId ?? `${release.app}-${release.version}-${randomUUID().slice(0, 8)}`,
        ...(startOpts.as ? { as: startOpts.as } : {}),
      });
      const handle = await client.workflow.start<typeof promotion>('promotion', {
        taskQueue,
        workflowId: input.promotionId,
        args: [input.start],
      });
      started.push(input.promotionId);
      input.pipeline.stages.forEach((stage) => locks.add(stageLockWorkflowId(release.app, stage.name)));
      return { handle, input };
    },
    async vote(handle, person, stage, decision = 'approve', bind = {}) {
      const vote = signedVote(await queryState(handle), person, stage, decision, bind);
      return handle.executeUpdate(voteUpdate, { args: [vote] });
    },
    async control(handle, person, command, reason) {
      return handle.executeUpdate(controlUpdate, {
        args: [signedControl(handle.workflowId, person, command, reason)],
      });
    },
    async waive(handle, person, stage, waives, expiresInMs = 3600_000) {
      const payload: WaiverAction = {
        ...base(person, handle.workflowId),
        kind: 'waiver',
        stage,
        waives,
        justification: 'Emergency fix for the invoice outage, approved in INC-4711',
        expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
      };
      return handle.executeUpdate(waiveUpdate, { args: [sign(person, payload)] });
    },
    freezeAction(person, frozen, reason) {
      return sign(person, { ...base(person, '*'), kind: 'freeze', frozen, reason });
    },
    async waitFor(handle, predicate, what) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const state = await queryState(handle);
        if (predicate(state)) return state;
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for ${what}; state: ${JSON.stringify({ status: state.status, stage: state.currentStage, gate: state.gate })}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async run(fn) {
      const running = workers.map((w) => w.run());
      try {
        const result = await fn();
        await settleArchives();
        return result;
      } finally {
        workers.forEach((w) => w.shutdown());
        await Promise.all(running);
      }
    },
  };
}

/** The update validator's refusal reaches the caller synchronously, with its reason. */
export async function refused(promise: Promise<unknown>, reason: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof WorkflowUpdateFailedError, `expected a refused update, got ${String(err)}`);
    assert.match(String(err.cause?.message), reason);
    return true;
  });
}
