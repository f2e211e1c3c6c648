/**
 * Attacks with nothing but namespace access, sent as an outside client would: the raw Temporal
 * client, and an attacker's own worker running its own workflow code. Each must be refused, and
 * each refusal must be in the ledger.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StageActivities } from '../../activities/contracts.js';
import { signEnvelope } from '../../src/approvals/dsse.js';
import { generateSigningKey, newNonce, principalKeyId, rawPublicKey, signAction } from '../../src/keys.js';
import type { RollbackAction, StartAction, TrustSnapshot } from '../../src/approvals/actions.js';
import { DSSE_PAYLOAD_TYPE, type DsseEnvelope } from '../../src/domain/attestation.js';
import { releaseDigest } from '../../src/promotion/prepare.js';
import type { RollbackResult } from '../../workflows/rollback.js';
import type { PromotionResult } from '../../workflows/types.js';
import { createWorld, signedStart, testRelease, type World } from '../helpers/promotion-world.js';
import { startDevServer } from '../helpers/temporal.js';

const temporal = await startDevServer();
after(() => temporal.teardown());
const client = temporal.env.client;
const forgedWorkflows = fileURLToPath(new URL('../fixtures/workflows/forged.ts', import.meta.url));

/** The attacker's key, listed as "bob" in the trust snapshots the attacker hands in. */
const attackerKey = generateSigningKey();
const attackerKeyId = principalKeyId('bob', rawPublicKey(attackerKey));
const attackerTrust: TrustSnapshot = {
  principals: [{ id: 'bob', groups: ['release-managers', 'operators'] }],
  keys: {
    [attackerKeyId]: {
      publicKeyHex: rawPublicKey(attackerKey).toString('hex'),
      kind: 'principal',
      principal: 'bob',
    },
  },
};
const asAttacker = (promotionId: string) => ({
  promotionId,
  actor: 'bob',
  channel: 'cli' as const,
  issuedAt: new Date().toISOString(),
  nonce: newNonce(),
});

async function refusalsAt(world: World, chainId: string): Promise<string[]> {
  return (await world.ledger.read(chainId))
    .filter((r) => r.type === 'security.refused')
    .map((r) => String(r.data.reason));
}

void test('a promotion started through the Temporal client with a forged pipeline and trust deploys nothing', async () => {
  const world = await createWorld(temporal);
  await world.run(async () => {
    const release = testRelease({ app: 'forged-start' });
    const prodOnly = {
      ...world.config.pipelines[0]!,
      stages: [{ ...world.config.pipelines[0]!.stages[2]!, approval: undefined, canary: undefined }],
    };
    const attempts: [string, unknown][] = [
      [
        "the earlier input shape: its own pipeline and a trust snapshot naming the caller's key as bob",
        {
          promotionId: 'forged-1',
          workflowId: 'forged-1',
          release,
          releaseDigest: releaseDigest(release),
          pipeline: prodOnly,
          trust: attackerTrust,
          taskQueue: world.taskQueue,
          deployQueuePrefix: world.deployQueuePrefix,
        },
      ],
      [
        'a start signed with a key the workers do not know, claiming to be bob',
        {
          request: signAction<StartAction>(
            {
              ...asAttacker('forged-2'),
              kind: 'start',
              pipeline: 'default',
              app: release.app,
              version: release.version,
              releaseDigest: releaseDigest(release),
            },
            attackerKeyId,
            attackerKey,
          ),
          release,
          taskQueue: world.taskQueue,
          deployQueuePrefix: world.deployQueuePrefix,
        },
      ],
      [
        "alice's genuine signed start, handed in with another release",
        {
          ...signedStart(world.config, release, {
            promotionId: 'forged-3',
            taskQueue: world.taskQueue,
            deployQueuePrefix: world.deployQueuePrefix,
          }).start,
          release: testRelease({ app: 'forged-start', version: '6.6.6' }),
        },
      ],
    ];
    const reasons = [
      /not a signed start request/,
      /unknown signing key/,
      /signs release sha256:\w+, but the release given hashes to/,
    ];
    for (const [i, [what, input]] of attempts.entries()) {
      const id = `forged-${i + 1}`;
      const result = (await client.workflow.execute('promotion', {
        taskQueue: world.taskQueue,
        workflowId: id,
        args: [input],
      })) as PromotionResult;
      assert.equal(result.status, 'failed', what);
      assert.match(result.outcome, reasons[i]!, what);
      const chain = await world.chain(id);
      assert.deepEqual(
        chain.map((r) => r.type),
        ['security.refused', 'promotion.failed'],
        what,
      );
      assert.match(String(chain[0]!.data.reason), reasons[i]!, `${what}: the refusal names what is wrong`);
    }
    assert.deepEqual(world.ops, [], 'no stage worker did anything');
  });
});

void test('a forged workflow cannot make a stage worker deploy: tampered, untrusted, other-digest and other-stage attestations are refused', async () => {
  const world = await createWorld(temporal);
  const attacker = await temporal.createWorker({
    workflowsPath: forgedWorkflows,
    taskQueue: temporal.taskQueue('attacker'),
  });
  await world.run(() =>
    attacker.runUntil(async () => {
      // A genuine promotion through every stage yields genuine attestations to abuse.
      const { handle, input } = await world.start(testRelease({ app: 'attested-api' }));
      await world.waitFor(
        handle,
        (s) => s.currentStage === 'staging' && s.gate === 'approval',
        'staging approval',
      );
      await world.vote(handle, 'bob', 'staging');
      await world.waitFor(handle, (s) => s.currentStage === 'prod' && s.gate === 'approval', 'prod approval');
      await world.vote(handle, 'bob', 'prod');
      await world.vote(handle, 'carol', 'prod');
      assert.equal((await handle.result()).status, 'succeeded');
      const attested = (await world.chain(input.promotionId)).filter((r) => r.type === 'stage.attested');
      assert.deepEqual(
        attested.map((r) => `${r.stage}:${String(r.data.phase)}`),
        ['dev:admitted', 'dev:passed', 'staging:admitted', 'staging:passed', 'prod:admitted', 'prod:passed'],
      );
      const envelopes = attested.map((r) => r.data.envelope as DsseEnvelope);
      const release = testRelease({ app: 'attested-api' });

      const deployProd = async (proof: unknown, artifacts = release.artifacts) => {
        const key = `${input.promotionId}/prod/deploy-${randomUUID().slice(0, 8)}`;
        const req: Parameters<StageActivities['deploy']>[0] = {
          key,
          app: release.app,
          stage: 'prod',
          version: release.version,
          artifacts,
          mode: 'replace',
          ...(proof ? { proof: proof as never } : {}),
        };
        const outcome = (await client.workflow.execute('forgedStageCall', {
          taskQueue: attacker.options.taskQueue,
          workflowId: `attack-${randomUUID()}`,
          args: [{ taskQueue: `${world.deployQueuePrefix}prod`, activity: 'deploy', args: [req] }],
        })) as { ok: boolean; type?: string; message?: string };
        return { key, outcome };
      };

      // The genuine attestations admitted the promotion's own deploy (it succeeded). Replayed by
      // another workflow they are refused: that workflow does not hold the stage's lock chain.
      const replayed = await deployProd({ attestations: envelopes });
      assert.equal(replayed.outcome.ok, false, 'genuine attestations replayed by another workflow');
      assert.match(replayed.outcome.message ?? '', /does not hold the stage lock/);
      assert.ok(!world.ops.some((o) => o.key === replayed.key), 'the replay did not touch the target');
      assert.ok(
        (await refusalsAt(world, 'security:deploy-prod')).some((r) => /does not hold the stage lock/.test(r)),
        'the replay refusal is in the ledger',
      );

      const tampered = structuredClone(envelopes);
      const payload = Buffer.from(tampered[4]!.payload, 'base64');
      const at = payload.indexOf('"version"') + 12;
      payload[at] = payload[at]! ^ 1; // one byte of the admitted prod attestation
      tampered[4]!.payload = payload.toString('base64');

      const untrusted = structuredClone(envelopes);
      untrusted[4] = signEnvelope(
        DSSE_PAYLOAD_TYPE,
        Buffer.from(envelopes[4]!.payload, 'base64'),
        attackerKey,
      );

      const otherDigest = release.artifacts.map((a) => ({ ...a, digest: `sha256:${'e'.repeat(64)}` }));
      const attacks: [string, unknown, RegExp, typeof release.artifacts?][] = [
        ['no proof at all', undefined, /no proof/],
        ['one byte changed', { attestations: tampered }, /attestation 5: no signature verifies/],
        ['signed by an untrusted key', { attestations: untrusted }, /attestation 5: no signature verifies/],
        ['for another digest', { attestations: envelopes }, /not the attested subjects/, otherDigest],
        [
          "for another stage (staging's attestations)",
          { attestations: envelopes.slice(0, 4) },
          /no stage attestation admits .* to prod/,
        ],
      ];
      for (const [what, proof, reason, artifacts] of attacks) {
        const { key, outcome } = await deployProd(proof, artifacts);
        assert.equal(outcome.ok, false, `${what}: refused`);
        assert.equal(outcome.type, 'AdmissionRefused', what);
        assert.match(outcome.message ?? '', reason, what);
        assert.ok(!world.ops.some((o) => o.key === key), `${what}: the target was not touched`);
        const recorded = await refusalsAt(world, 'security:deploy-prod');
        assert.ok(
          recorded.some((r) => reason.test(r)),
          `${what}: the refusal is in the ledger`,
        );
      }
    }),
  );
});

void test('a rollback workflow started with its own operator group and keys is refused, and so is its stage call', async () => {
  const world = await createWorld(temporal, { stages: ['prod'] });
  const attacker = await temporal.createWorker({
    workflowsPath: forgedWorkflows,
    taskQueue: temporal.taskQueue('attacker'),
  });
  await world.run(() =>
    attacker.runUntil(async () => {
      const rollbackId = `rollback-forged-${randomUUID().slice(0, 8)}`;
      const request = signAction<RollbackAction>(
        {
          ...asAttacker(rollbackId),
          kind: 'rollback',
          app: 'billing-api',
          stage: 'prod',
          toVersion: '0.0.1',
        },
        attackerKeyId,
        attackerKey,
      );
      const result = (await client.workflow.execute('rollback', {
        taskQueue: world.taskQueue,
        workflowId: rollbackId,
        args: [
          {
            rollbackId,
            request,
            pipeline: 'default',
            operatorGroups: ['operators'],
            trust: attackerTrust,
            taskQueue: world.taskQueue,
            deployQueuePrefix: world.deployQueuePrefix,
          },
        ],
      })) as RollbackResult;
      assert.equal(result.status, 'rejected');
      assert.match(result.outcome, /unknown signing key/);
      assert.ok((await refusalsAt(world, rollbackId)).some((r) => /unknown signing key/.test(r)));

      const outcome = (await client.workflow.execute('forgedStageCall', {
        taskQueue: attacker.options.taskQueue,
        workflowId: `attack-${randomUUID()}`,
        args: [
          {
            taskQueue: `${world.deployQueuePrefix}prod`,
            activity: 'rollback',
            args: [
              {
                key: `${rollbackId}/prod/restore`,
                app: 'billing-api',
                stage: 'prod',
                toVersion: '0.0.1',
                proof: { rollback: request, pipeline: 'default' },
              },
            ],
          },
        ],
      })) as { ok: boolean; message?: string };
      assert.equal(outcome.ok, false);
      assert.match(outcome.message ?? '', /rollback request: unknown signing key/);
      assert.ok((await refusalsAt(world, 'security:deploy-prod')).some((r) => /unknown signing key/.test(r)));
      assert.deepEqual(world.ops, [], 'prod was not rolled back');
    }),
  );
});
