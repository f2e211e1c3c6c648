/**
 * The `-tail` sample app (3 of every 10 requests 400 ms slower, the median untouched) through the
 * real workflow: the `tollgate` CLI, a Temporal dev server, workers built from the config, the
 * local target's router with real traffic and the default canary template. The release that only
 * a tail comparison can catch is rolled back.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { projectRoot } from '../../src/paths.js';
import { SAMPLE_APP_DIGEST } from '../targets/sample-app.js';
import { startDevServer, type Harness } from '../helpers/temporal.js';
import { createCliWorld, type CliWorld } from '../cli/support.js';

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
const STAGES = [
  {
    name: 'prod',
    target: sampleApp,
    policy: { packs: ['change-management', 'ai-release'] },
    // The default template: no tolerances or comparisons configured here.
    canary: {
      steps: [
        { weight: 40, bake: '4s' },
        { weight: 100, bake: '1s' },
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

async function promote(version: string) {
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
      `change: { description: "Release ${version} of the sample app", ticket: CHG-26 }`,
      'commitAuthors: [dave]',
      '',
    ].join('\n'),
  );
  return world.tollgate(['promote', file, '--follow', '--id', `sample-app-${version}`], { as: 'rita' });
}

void test('the default template rolls back a release whose slow tail leaves the median alone', async () => {
  const first = await promote('1.0.0');
  assert.equal(first.code, 0, first.stdout + first.stderr);

  const tail = await promote('2.0.0-tail');
  assert.equal(tail.code, 1, `a rolled-back promotion exits 1: ${tail.stdout}${tail.stderr}`);
  assert.match(
    tail.stdout,
    // On a loaded machine the median comparison may lack the samples to decide (inconclusive);
    // either way it never fails the step: only the tail comparison catches this release.
    /prod +canary step 1 at 40%: fail — .*latency-vs-baseline (?:pass|inconclusive) .*latency-p90-vs-baseline fail/,
    'the median shift does not fail the step: only the tail comparison catches it',
  );
  assert.match(
    tail.stdout,
    /prod +rolled back: canary failed at prod step 1: latency-p90-vs-baseline: p90 latency over baseline beyond the tolerance .*\(serving 1\.0\.0\)/,
  );

  const status = JSON.parse((await world.tollgate(['status', 'sample-app-2.0.0-tail', '--json'])).stdout) as {
    status: string;
  };
  assert.equal(status.status, 'rolled-back');
});
