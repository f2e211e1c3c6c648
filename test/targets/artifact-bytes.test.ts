/**
 * The local target checks the bytes of the artifacts it can read against the release's digests
 * before it starts anything: the sample app's real release manifests pin server.js, so the real
 * file deploys and a tampered copy is refused, naming the artifact and both digests.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createStageActivities } from '../../activities/stage.js';
import { createAnalyzer } from '../../src/canary/analyzer.js';
import { Release } from '../../src/domain/release.js';
import { projectRoot } from '../../src/paths.js';
import { TargetError } from '../../src/targets/target.js';
import { SAMPLE_APP, sampleAppTarget, tempDir, testLogger } from './sample-app.js';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers) await close();
});

async function newTarget() {
  const made = await sampleAppTarget();
  closers.push(() => made.target.close());
  return made.target;
}

/** The demo release's artifacts, refs resolved from the project root (the demo worker's directory). */
async function demoArtifacts() {
  const file = path.join(projectRoot, 'deploy/examples/releases/sample-app-1.0.0.yaml');
  const release = Release.parse(parseYaml(await readFile(file, 'utf8')));
  return release.artifacts.map((a) => ({ ...a, ref: path.join(projectRoot, a.ref) }));
}

/** A copy of server.js with one extra line: what a tampered build output looks like. */
async function tamperedCopy(): Promise<{ file: string; sha256: string }> {
  const file = path.join(await tempDir('tollgate-artifact-'), 'server.js');
  await copyFile(SAMPLE_APP, file);
  await appendFile(file, '\n// exfiltrate()\n');
  const sha256 = `sha256:${createHash('sha256')
    .update(await readFile(file))
    .digest('hex')}`;
  return { file, sha256 };
}

void test('the real sample app deploys with the digest its release manifest pins; the check is in the operation log', async () => {
  const target = await newTarget();
  const artifacts = await demoArtifacts();
  const serving = await target.deploy({
    key: 'a1/dev/deploy',
    app: 'shop',
    version: '1.0.0',
    artifacts,
    mode: 'replace',
  });
  assert.deepEqual(serving.stable, { version: '1.0.0', healthy: true });
  const [entry] = await target.operationLog();
  assert.deepEqual(entry?.detail?.artifacts, [
    { name: 'server', ref: artifacts[0]!.ref, checked: ['sha256'] },
  ]);
});

void test('a tampered artifact is refused before anything starts, naming the artifact, the pinned and the actual digest', async () => {
  const target = await newTarget();
  const [pinned] = await demoArtifacts();
  await target.deploy({
    key: 'a2/dev/deploy',
    app: 'shop',
    version: '1.0.0',
    artifacts: [pinned!],
    mode: 'replace',
  });
  const tampered = await tamperedCopy();
  for (const mode of ['canary', 'replace'] as const) {
    await assert.rejects(
      target.deploy({
        key: `a3/dev/deploy-${mode}`,
        app: 'shop',
        version: '2.0.0',
        artifacts: [{ ...pinned!, ref: tampered.file }],
        mode,
      }),
      (err: Error) => {
        assert.ok(err instanceof TargetError);
        assert.equal(err.retryable, false);
        assert.equal(
          err.message,
          `artifact server (${tampered.file}) does not match the release: its sha256 is ${tampered.sha256}, the release pins ${pinned!.digest}; deploy the bytes the release names, or release these bytes under their own digest`,
        );
        return true;
      },
    );
  }
  const status = await target.status('shop');
  assert.deepEqual(status.stable, { version: '1.0.0', healthy: true });
  assert.equal(status.canary, undefined);
  assert.deepEqual(
    (await target.operationLog()).map((e) => e.key),
    ['a2/dev/deploy'],
  );
});

void test('a sha512 the release gives is checked too, and a file: URL that is not there is refused', async () => {
  const target = await newTarget();
  const [pinned] = await demoArtifacts();
  const sha512 = `sha512:${createHash('sha512')
    .update(await readFile(SAMPLE_APP))
    .digest('hex')}`;
  const good = await target.deploy({
    key: 's1/dev/deploy',
    app: 'shop',
    version: '1.0.0',
    artifacts: [{ ...pinned!, ref: pathToFileURL(SAMPLE_APP).href, sha512 }],
    mode: 'replace',
  });
  assert.equal(good.stable?.version, '1.0.0');
  assert.deepEqual((await target.operationLog())[0]?.detail?.artifacts, [
    { name: 'server', ref: pathToFileURL(SAMPLE_APP).href, checked: ['sha256', 'sha512'] },
  ]);

  const wrong512 = `sha512:${'0'.repeat(128)}`;
  await assert.rejects(
    target.deploy({
      key: 's2/dev/deploy',
      app: 'shop',
      version: '2.0.0',
      artifacts: [{ ...pinned!, sha512: wrong512 }],
      mode: 'canary',
    }),
    new RegExp(
      `artifact server \\(.*\\) does not match the release: its sha512 is ${sha512}, the release pins ${wrong512}`,
    ),
  );
  const missing = pathToFileURL(path.join(await tempDir(), 'gone.tgz')).href;
  await assert.rejects(
    target.deploy({
      key: 's3/dev/deploy',
      app: 'shop',
      version: '2.0.0',
      artifacts: [{ ...pinned!, ref: missing }],
      mode: 'canary',
    }),
    new RegExp(
      `artifact server: ${missing} cannot be read \\(ENOENT\\); put the artifact there or fix the ref in the release`,
    ),
  );
});

void test('registry references are not bytes the local target can hash: listed as unchecked, the deploy goes on', async () => {
  const target = await newTarget();
  const ref = `registry.example.com/shop@sha256:${'a'.repeat(64)}`;
  await target.deploy({
    key: 'r1/dev/deploy',
    app: 'shop',
    version: '1.0.0',
    artifacts: [{ name: 'shop', ref, digest: `sha256:${'a'.repeat(64)}` }],
    mode: 'replace',
  });
  assert.deepEqual((await target.operationLog())[0]?.detail?.artifacts, [
    { name: 'shop', ref, unchecked: 'not a file on this machine' },
  ]);
});

void test('through the stage activity the refusal is a non-retryable failure carrying the message (what the promotion records)', async () => {
  const target = await newTarget();
  const activities = createStageActivities({
    target,
    analyzer: createAnalyzer({ logger: testLogger }),
    logger: testLogger,
  });
  const [pinned] = await demoArtifacts();
  const tampered = await tamperedCopy();
  await assert.rejects(
    new MockActivityEnvironment().run(() =>
      activities.deploy({
        key: 'p9/prod/deploy',
        app: 'shop',
        stage: 'prod',
        version: '1.0.0',
        artifacts: [{ ...pinned!, ref: tampered.file }],
        mode: 'replace',
      }),
    ),
    (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, true);
      assert.match(
        err.message,
        new RegExp(
          `^artifact server .* its sha256 is ${tampered.sha256}, the release pins ${pinned!.digest}`,
        ),
      );
      return true;
    },
  );
});
