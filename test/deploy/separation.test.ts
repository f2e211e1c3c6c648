/**
 * Separation of environments shown, not claimed: the orchestration worker and one worker per
 * stage (dev, staging, prod) run as separate `tollgate worker` processes, each with its own config
 * file. Each stage worker holds only its own target's credential (an environment variable its
 * deploy tool checks) and its own identity key; the orchestration worker holds none of them. The
 * evidence goes to a PostgreSQL ledger. The staging worker is killed with SIGKILL while its deploy
 * runs and restarted; the promotion still completes, every stage change is signed by that stage's
 * worker, and the audit report's separation row is met — until a deploy record forged with another
 * stage's key is appended to the ledger.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { signServingState } from '../../activities/worker-signature.js';
import { fingerprint, publicKeyText, rawPublicKey, writePrivateKey } from '../../src/approvals/keys.js';
import { promotionReport } from '../../src/audit/report/build.js';
import { loadConfig } from '../../src/config/load.js';
import type { TollgateConfig } from '../../src/config/schema.js';
import { workerKeyId, type TrustedWorker } from '../../src/domain/worker.js';
import { createLedger } from '../../src/ledger/create.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createLogger } from '../../src/logging/logger.js';
import type { ServingState } from '../../src/targets/target.js';
import type { promotion } from '../../workflows/promotion.js';
import { buildStageActivities } from '../../src/worker/activities.js';
import { startWorkerProcess, type WorkerProcess } from '../bench/worker-process.js';
import { autopilot } from '../chaos/support/autopilot.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { orchestrationKey, signedStart, testPrincipals, testRelease } from '../helpers/promotion-world.js';
import { startDevServer, type Harness } from '../helpers/temporal.js';

const STAGES = ['dev', 'staging', 'prod'] as const;
type StageName = (typeof STAGES)[number];
const NAMESPACE = 'separation';

/**
 * The deploy tool: refuses to touch a stage's cluster without that stage's credential, and takes
 * a few seconds over the staging deploy so its worker can be killed while it runs.
 */
const TOOL = `#!/bin/sh
# <calls-dir> <stage> <op> <key> <expected-credential-file>
dir=$1 stage=$2 op=$3 key=$4
mkdir -p "$dir"
[ "$DEPLOY_TOKEN" = "$(cat "$5")" ] || { echo "no credential for the $stage cluster" >&2; exit 3; }
echo "start $op $key" >> "$dir/calls.log"
[ "$op" = deploy ] && [ "$stage" = staging ] && sleep 3
echo "done $op $key" >> "$dir/calls.log"
`;

interface StageSetup {
  token: string;
  key: ReturnType<typeof generateKeyPairSync>['privateKey'];
  keyFile: string;
  configFile: string;
}

void describe('separated workers: one process per stage with its own identity and credentials', () => {
  let temporal: Harness;
  let postgres: PostgresServer;
  let dir: string;
  let orchestrationConfig: TollgateConfig;
  let ledger: Ledger;
  let client: Client;
  let connection: Connection;
  const stages = new Map<StageName, StageSetup>();
  const workers = new Map<string, WorkerProcess>();
  let orchestrationFile: string;
  let trusted: TrustedWorker[];

  const args = (configFile: string, ...rest: string[]) => [
    '--config',
    configFile,
    '--address',
    temporal.env.address,
    '--namespace',
    NAMESPACE,
    'worker',
    ...rest,
  ];
  const startStageWorker = async (stage: StageName) => {
    const s = stages.get(stage)!;
    // Only this stage's credential: the process environment is all the target passes on.
    workers.set(
      stage,
      await startWorkerProcess(args(s.configFile, '--stage', stage), { DEPLOY_TOKEN: s.token }),
    );
  };

  before(async () => {
    [temporal, postgres] = await Promise.all([
      startDevServer({ namespaces: [NAMESPACE], logLevel: 'error' }),
      startPostgres(),
    ]);
    const connectionString = await postgres.createDatabase('separation');
    dir = await mkdtemp(path.join(tmpdir(), 'tollgate-separation-'));
    const tool = path.join(dir, 'deploy-tool.sh');
    await writeFile(tool, TOOL);
    await chmod(tool, 0o755);
    await mkdir(path.join(dir, 'clusters'));
    const orchestrationKeyFile = path.join(dir, 'orchestration.pem');
    await writePrivateKey(orchestrationKeyFile, orchestrationKey);

    for (const stage of STAGES) {
      const token = `${stage}-${Math.random().toString(36).slice(2)}`;
      await writeFile(path.join(dir, 'clusters', stage), token);
      const key = generateKeyPairSync('ed25519').privateKey;
      const keyFile = path.join(dir, `worker-${stage}.pem`);
      await writePrivateKey(keyFile, key);
      stages.set(stage, { token, key, keyFile, configFile: path.join(dir, `worker-${stage}.yaml`) });
    }
    trusted = STAGES.map((stage) => ({
      identity: `${stage}-worker`,
      publicKey: rawPublicKey(stages.get(stage)!.key),
      stages: [stage],
    }));
    const target = (stage: StageName) => {
      const op = (name: string) => [
        tool,
        path.join(dir, 'calls', stage),
        stage,
        name,
        '{key}',
        path.join(dir, 'clusters', stage),
      ];
      return {
        type: 'command',
        operations: {
          deploy: op('deploy'),
          setWeight: op('setWeight'),
          promote: op('promote'),
          rollback: op('rollback'),
        },
        env: ['DEPLOY_TOKEN'],
      };
    };
    const shared = {
      apiVersion: 'tollgate.dev/v1',
      kind: 'Config',
      principals: testPrincipals(),
      pipelines: [
        {
          name: 'default',
          operatorGroups: ['operators'],
          stages: STAGES.map((stage) => ({
            name: stage,
            target: target(stage),
            ...(stage === 'prod'
              ? { canary: { steps: [{ weight: 50, bake: '1s' }], onInconclusive: 'ask' } }
              : {}),
          })),
        },
      ],
      ledger: { type: 'postgres', connectionString },
      policyPackDirs: [],
      // The workers every config trusts, per stage: identity, public key, stage.
      workers: trusted.map((w) => ({
        identity: w.identity,
        publicKey: `ed25519:${w.publicKey.toString('base64')}`,
        stages: w.stages,
      })),
    };
    orchestrationFile = path.join(dir, 'orchestration.yaml');
    await writeFile(
      orchestrationFile,
      stringify({
        ...shared,
        stateDir: path.join(dir, 'state-orchestration'),
        orchestration: { signingKey: orchestrationKeyFile },
      }),
    );
    for (const stage of STAGES) {
      const s = stages.get(stage)!;
      await writeFile(
        s.configFile,
        stringify({
          ...shared,
          stateDir: path.join(dir, `state-${stage}`),
          orchestration: { publicKeys: [publicKeyText(orchestrationKey)] },
          worker: { identity: `${stage}-worker`, signingKey: s.keyFile },
        }),
      );
    }
    orchestrationConfig = await loadConfig(orchestrationFile);
    ledger = await createLedger(orchestrationConfig.ledger, {
      logger: createLogger({ level: 'error', pretty: false }),
    });
    connection = await Connection.connect({ address: temporal.env.address });
    client = new Client({ connection, namespace: NAMESPACE });

    // The orchestration worker gets no target credential at all.
    workers.set('orchestration', await startWorkerProcess(args(orchestrationFile, '--orchestration'), {}));
    for (const stage of STAGES) await startStageWorker(stage);
  });

  after(async () => {
    await Promise.all([...workers.values()].map((w) => w.stop()));
    await ledger?.close();
    await connection?.close();
    await Promise.all([temporal?.teardown(), postgres?.stop()]);
  });

  void it('completes a promotion through every stage although the staging worker is killed mid-deploy, and the report shows each stage changed by its own worker', async () => {
    const release = testRelease({ version: '2.0.0' });
    const input = signedStart(orchestrationConfig, release, {
      promotionId: 'separated-1',
      taskQueue: 'tollgate',
      deployQueuePrefix: 'tollgate-deploy-',
    });
    const handle = await client.workflow.start<typeof promotion>('promotion', {
      taskQueue: 'tollgate',
      workflowId: input.promotionId,
      args: [input.start],
    });
    const pilot = autopilot({ handle, input });
    try {
      const calls = path.join(dir, 'calls', 'staging', 'calls.log');
      while (!(await readFile(calls, 'utf8').catch(() => '')).includes('start deploy')) await sleep(100);
      const killed = workers.get('staging')!;
      process.kill(killed.pid, 'SIGKILL');
      await killed.stop();
      await startStageWorker('staging');

      const result = await handle.result();
      assert.equal(result.status, 'succeeded', JSON.stringify(result));
    } finally {
      await pilot.stop();
    }
    // The deploy cut off by the kill was run again by the restarted worker, under the same key.
    const log = await readFile(path.join(dir, 'calls', 'staging', 'calls.log'), 'utf8');
    assert.equal(log.match(/^start deploy separated-1\/staging\/deploy$/gm)?.length, 2, log);

    const records = await ledger.read(input.promotionId);
    const deploys = records.filter((r) => r.type === 'deploy.completed');
    assert.deepEqual(
      deploys.map((r) => [r.stage, (r.data.serving as ServingState).worker?.identity]),
      STAGES.map((s) => [s, `${s}-worker`]),
    );
    assert.ok(records.some((r) => r.type === 'canary.step' && r.stage === 'prod'));
    assert.ok(records.some((r) => r.type === 'promotion.completed'));

    const report = await promotionReport(ledger, input.promotionId, { workers: trusted });
    const row = report.coverage.find((c) => c.id === 'add-separated-environments')!;
    assert.equal(row.status, 'met', row.detail);
    assert.match(
      row.detail,
      /dev: dev-worker; staging: staging-worker; prod: prod-worker; a distinct worker identity per stage/,
    );

    // Someone who can write to the ledger and holds the staging worker's key appends a prod deploy.
    const staging = stages.get('staging')!;
    const forgedServing = signServingState(
      { app: release.app, stable: { version: '6.6.6', healthy: true } },
      {
        stage: 'prod',
        operation: `${input.promotionId}/prod/deploy`,
        promotionId: input.promotionId,
        releaseDigest: report.releaseDigest ?? null,
      },
      {
        identity: 'staging-worker',
        key: staging.key,
        keyId: workerKeyId('staging-worker', fingerprint(rawPublicKey(staging.key))),
      },
    );
    await ledger.appendNext({
      chainId: input.promotionId,
      promotionId: input.promotionId,
      stage: 'prod',
      type: 'deploy.completed',
      actor: { id: 'tollgate', channel: 'system' },
      time: new Date().toISOString(),
      data: { version: '6.6.6', serving: forgedServing },
      controls: [],
    });
    const forged = await promotionReport(ledger, input.promotionId, { workers: trusted });
    const forgedRow = forged.coverage.find((c) => c.id === 'add-separated-environments')!;
    assert.equal(forgedRow.status, 'not met', forgedRow.detail);
    assert.match(
      forgedRow.detail,
      /deploy\.completed@prod \(#\d+\): signed by staging-worker, a worker of staging, not of prod/,
    );
  });

  void it('a stage worker refuses a task of another stage, and the refusal is recorded', async () => {
    // The staging worker's own activity stack, built from its own config as `tollgate worker
    // --stage staging` builds it, handed prod's deploy (as a workflow started by someone with
    // namespace access could schedule it on the staging queue).
    const config = await loadConfig(stages.get('staging')!.configFile);
    const built = buildStageActivities(config, 'staging', {
      logger: createLogger({ level: 'error', pretty: false }),
    });
    try {
      await assert.rejects(
        built.activities.deploy({
          key: 'cross-stage/prod/deploy',
          app: 'billing-api',
          stage: 'prod',
          version: '6.6.6',
          artifacts: [],
          mode: 'replace',
        }),
        /stage staging refused to deploy: this worker serves stage staging, not prod/,
      );
    } finally {
      await built.close();
    }
    const refusals = await ledger.read('security:deploy-staging');
    assert.ok(
      refusals.some((r) => r.type === 'security.refused' && r.data.key === 'cross-stage/prod/deploy'),
      JSON.stringify(refusals.map((r) => r.data)),
    );
    const prodCalls = await readFile(path.join(dir, 'calls', 'prod', 'calls.log'), 'utf8').catch(() => '');
    assert.doesNotMatch(prodCalls, /cross-stage/);
  });
});
