/**
 * Evidence stored by content, end to end: `tollgate promote` (a subprocess) stores the
 * release's evidence in the ledger's blob store; the evidence folder is then deleted, and the
 * workers — started only afterwards, so they cannot have read anything earlier — evaluate the
 * supply-chain pack from the blob store alone. A worker on another machine sees exactly this:
 * the ledger, and no file of the CLI's. Then `audit export` carries the evidence bytes and
 * `policy recheck` re-evaluates the gate from the bundle alone.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { readReleaseFile } from '../../src/config/release-file.js';
import { releaseDigest } from '../../src/promotion/prepare.js';
import { createLogger } from '../../src/logging/logger.js';
import { projectRoot } from '../../src/paths.js';
import { runWorkers } from '../../src/worker/run.js';
import { stateQuery } from '../../workflows/messages.js';
import type { PromotionResult } from '../../workflows/types.js';
import { startDevServer, type Harness } from '../helpers/temporal.js';
import { tollgateProcess, writeConfig } from '../cli/support.js';
import { fixtureSettings, fixtures } from './helpers.js';

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
  trafficRps: 50,
};

let harness: Harness;
let dir: string;
before(async () => {
  harness = await startDevServer();
  dir = await mkdtemp(path.join(tmpdir(), 'tollgate-remote-evidence-'));
});
after(async () => {
  await harness.teardown();
  await rm(dir, { recursive: true, force: true });
});

void test('a worker without the CLI’s files evaluates the supply-chain pack from the blob store and passes', async () => {
  const cliDir = path.join(dir, 'cli');
  await mkdir(path.join(cliDir, 'evidence'), { recursive: true });
  for (const [from, to] of [
    ['evidence/provenance.dsse.json', 'provenance.json'],
    ['evidence/sbom.cdx.json', 'sbom.json'],
    ['scanners/trivy-npm.json', 'trivy.json'],
  ])
    await cp(path.join(fixtures, from!), path.join(cliDir, 'evidence', to!));
  const settings = await fixtureSettings();
  const configFile = await writeConfig(
    dir,
    [{ name: 'dev', target: sampleApp, policy: { packs: ['supply-chain'] } }],
    {
      policy: { ...settings, vulnerabilities: { ignore: [] } },
    },
  );
  const release = path.join(cliDir, 'release.yaml');
  await writeFile(
    release,
    stringify({
      apiVersion: 'tollgate.dev/v1',
      kind: 'Release',
      app: 'checkout',
      version: '1.4.2',
      artifacts: [
        {
          name: 'checkout',
          ref: 'registry.example.com/shop/checkout@sha256:7bd671a2ae1d89a1c4f4e3daf471d3c6eac4a8e214282287b8c1d5dbaff9474b',
          digest: 'sha256:7bd671a2ae1d89a1c4f4e3daf471d3c6eac4a8e214282287b8c1d5dbaff9474b',
        },
      ],
      evidence: {
        provenance: 'evidence/provenance.json',
        sbom: 'evidence/sbom.json',
        vulnerabilities: ['evidence/trivy.json'],
      },
      requester: 'rita',
      change: { description: 'Checkout totals', ticket: 'CHG-27' },
    }),
  );
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    TOLLGATE_HOME: path.join(dir, 'home'),
    TOLLGATE_CONFIG: configFile,
    TOLLGATE_USER: 'rita',
    TOLLGATE_KEY: path.join(dir, 'rita.pem'),
    TEMPORAL_ADDRESS: harness.env.address,
    TEMPORAL_NAMESPACE: harness.env.namespace ?? 'default',
  };
  const id = 'checkout-remote-evidence';
  const started = await tollgateProcess(['promote', release, '--id', id, '--json'], env);
  assert.equal(started.code, 0, started.stdout + started.stderr);

  // The release digest covers the stored evidence: the manifest plus each file's sha256.
  const manifest = await readReleaseFile(release, { resolvePaths: true });
  const digests: Record<string, string> = {};
  for (const file of [
    manifest.evidence.provenance!,
    manifest.evidence.sbom!,
    ...manifest.evidence.vulnerabilities,
  ])
    digests[file] = `sha256:${createHash('sha256')
      .update(await readFile(file))
      .digest('hex')}`;
  const { releaseDigest: promoted } = JSON.parse(started.stdout) as { releaseDigest: string };
  assert.equal(promoted, releaseDigest({ ...manifest, evidence: { ...manifest.evidence, digests } }));

  // The CLI's files are gone before any worker exists.
  await rm(cliDir, { recursive: true, force: true });
  assert.equal(
    (await readdir(path.join(dir, 'ledger', 'blobs', 'sha256'))).length,
    3,
    'three evidence blobs stored',
  );

  const workers = await runWorkers({
    config: await loadConfig(configFile),
    connection: harness.env.nativeConnection,
    client: harness.env.client,
    namespace: harness.env.namespace ?? 'default',
    stages: 'all',
    orchestration: true,
    logger: createLogger({ level: 'error', pretty: false }),
  });
  try {
    const handle = harness.env.client.workflow.getHandle(id);
    const result = (await handle.result()) as PromotionResult;
    const state = await handle.query(stateQuery);
    const dev = state.stages.find((s) => s.name === 'dev');
    assert.deepEqual(dev?.policy?.failedRules, [], JSON.stringify(dev?.policy));
    assert.equal(dev?.policy?.passed, true);
    assert.equal(result.status, 'succeeded', result.outcome);
  } finally {
    await workers.shutdown();
  }

  // The audit bundle carries the evidence bytes: with the ledger gone, an auditor re-evaluates
  // the recorded gate offline from the bundle and gets the recorded result.
  const bundle = path.join(dir, 'evidence.tar.gz');
  const exported = await tollgateProcess(['audit', 'export', '--since', '2000-01-01', '--out', bundle], env);
  assert.equal(exported.code, 0, exported.stdout + exported.stderr);
  await rm(path.join(dir, 'ledger'), { recursive: true, force: true });
  const verified = await tollgateProcess(['audit', 'verify', '--bundle', bundle], env);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  const recheck = await tollgateProcess(['policy', 'recheck', bundle, id], env);
  assert.equal(recheck.code, 0, recheck.stdout + recheck.stderr);
  assert.match(
    recheck.stdout,
    new RegExp(`^${id} dev: same result \\(recorded [0-9a-f]{16}, now [0-9a-f]{16}; passes\\)$`, 'm'),
  );
  // Control: a pack changed since the promotion gives a different result, and says so.
  const packs = path.join(dir, 'changed-packs');
  await mkdir(packs);
  const pack = await readFile(path.join(projectRoot, 'deploy/policies/supply-chain.yaml'), 'utf8');
  await writeFile(
    path.join(packs, 'supply-chain.yaml'),
    pack.replace('facts.vulnerabilities.counts.critical == 0', 'facts.vulnerabilities.counts.medium == 0'),
  );
  const changed = await tollgateProcess(['policy', 'recheck', bundle, id, '--pack', packs], env);
  assert.equal(changed.code, 1, changed.stdout + changed.stderr);
  assert.match(changed.stdout, /dev: DIFFERENT result .*; blocks\)/);
  assert.match(changed.stdout, /supply-chain\/no-critical-vulnerabilities: pass → fail/);
});
