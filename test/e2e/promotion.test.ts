/**
 * End to end with real components throughout: the `tollgate` CLI as a subprocess, a real
 * Temporal dev server, workers built from the config, the local target running the sample app
 * behind its weighted router, the built-in metrics and canary analysis, the policy engine with
 * deploy/policies, the chat-free signed CLI approvals and the file ledger — then
 * `tollgate audit verify` over what was recorded.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { projectRoot } from '../../src/paths.js';
import { SAMPLE_APP_DIGEST } from '../targets/sample-app.js';
import { startDevServer, type Harness } from '../helpers/temporal.js';
import { createCliWorld, waitForState, type CliWorld } from '../cli/support.js';

const sampleApp = {
  type: 'local',
  command: [
    'node',
    path.join(projectRoot, 'deploy/examples/sample-app/server.js'),
    '--port',
    '{port}',
    '--version',
    '{version}',
  ],
  trafficRps: 300,
};
const packs = { packs: ['change-management', 'ai-release'] };
const STAGES = [
  { name: 'dev', target: sampleApp, policy: packs },
  {
    name: 'prod',
    target: sampleApp,
    policy: packs,
    approval: { groups: ['release-managers', 'security'], quorum: 2, distinctGroups: true },
    canary: {
      steps: [
        { weight: 10, bake: '2s' },
        { weight: 50, bake: '2s' },
        { weight: 100, bake: '2s' },
      ],
      minSamples: 30,
      onInconclusive: 'rollback',
    },
  },
];

let harness: Harness;
let world: CliWorld;

before(async () => {
  harness = await startDevServer();
  world = await createCliWorld(harness, STAGES, { policy: { blockingSeverity: 'low' } });
});
after(async () => {
  await world.workers.shutdown();
  await harness.teardown();
});

async function promote(version: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = path.join(world.dir, `sample-app-${version}.yaml`);
  await writeFile(
    file,
    [
      'apiVersion: tollgate.dev/v1',
      'kind: Release',
      'app: sample-app',
      `version: ${version}`,
      'artifacts:',
      '  - name: server',
      '    ref: deploy/examples/sample-app/server.js',
      `    digest: ${SAMPLE_APP_DIGEST}`,
      '    type: archive',
      'requester: rita',
      `change: { description: "Release ${version} of the sample app", ticket: CHG-7 }`,
      'commitAuthors: [dave]',
      '',
    ].join('\n'),
  );
  const id = `sample-app-${version}`;
  const following = world.tollgate(['promote', file, '--follow', '--id', id], { as: 'rita' });
  await waitForState(harness, id, (s) => s.currentStage === 'prod' && s.gate === 'approval', 'prod approval');
  for (const approver of ['bob', 'carol']) {
    const vote = await world.tollgate(['approve', id, '--yes'], { as: approver });
    assert.equal(vote.code, 0, vote.stderr);
  }
  return following;
}

void test('a healthy release promotes; an error-prone one fails its canary and is rolled back; the ledger verifies', async () => {
  const healthy = await promote('2.0.0');
  assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
  assert.match(healthy.stdout, /prod +canary step 3 at 100%: pass/);
  assert.match(healthy.stdout, /succeeded: sample-app 2\.0\.0 promoted through dev → prod/);

  const faulty = await promote('3.0.0-errors');
  assert.equal(faulty.code, 1, 'a rolled-back promotion exits 1');
  assert.match(faulty.stdout, /prod +canary step 1 at 10%: fail — .*error-rate fail/);
  assert.match(faulty.stdout, /prod +rolled back: canary failed at prod step 1.*\(serving 2\.0\.0\)/);
  assert.match(faulty.stdout, /^rolled-back: /m);

  const status = JSON.parse(
    (await world.tollgate(['status', 'sample-app-3.0.0-errors', '--json'])).stdout,
  ) as { status: string };
  assert.equal(status.status, 'rolled-back');
  const verify = await world.tollgate(['audit', 'verify']);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});
