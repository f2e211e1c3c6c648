/**
 * The `tollgate` CLI as a release engineer uses it: a subprocess against a real Temporal dev
 * server, with real workers, the real policy engine and a real file ledger. Targets are command
 * targets (`true`) here: the end-to-end test runs the sample app on the local target.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createLedger } from '../../src/ledger/create.js';
import { createLogger } from '../../src/logging/logger.js';
import { projectRoot } from '../../src/paths.js';
import { startDevServer, type Harness } from '../helpers/temporal.js';
import { createCliWorld, tollgateProcess, waitForState, writeManifest, type CliWorld } from './support.js';

const noop = { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } };
const STAGES = [
  { name: 'dev', target: noop, policy: { packs: ['change-management'] } },
  {
    name: 'staging',
    target: noop,
    policy: { packs: ['change-management'] },
    approval: { groups: ['release-managers'] },
  },
  {
    name: 'prod',
    target: noop,
    policy: { packs: ['change-management'] },
    approval: { groups: ['release-managers', 'security'], quorum: 2, distinctGroups: true },
  },
];

let harness: Harness;
let world: CliWorld;

const manifest = (name: string, fields: Record<string, unknown> = {}) =>
  writeManifest(world.dir, name, fields);

before(async () => {
  harness = await startDevServer();
  world = await createCliWorld(harness, STAGES);
});
after(async () => {
  await world.workers.shutdown();
  await harness.teardown();
});

void describe('promote', () => {
  void test('--follow shows the promotion live and exits 0 when it succeeds; approvals come from other processes', async () => {
    const release = await manifest('follow', { version: '1.1.0' });
    const following = world.tollgate(['promote', release, '--follow', '--id', 'checkout-follow'], {
      as: 'rita',
    });
    await waitForState(
      harness,
      'checkout-follow',
      (s) => s.gate === 'approval' && s.currentStage === 'staging',
      'staging approval',
    );
    const vote = await world.tollgate(['approve', 'checkout-follow', '--yes', '--comment', 'ship it'], {
      as: 'bob',
    });
    assert.equal(vote.code, 0, vote.stderr);
    assert.match(vote.stdout, /release {5}sha256:[0-9a-f]{64}/, 'the approver sees the release digest');
    assert.match(vote.stdout, /policy {6}passed/, 'and the policy summary');
    assert.match(vote.stdout, /approved staging as bob: 1\/1 approvals/);
    await waitForState(
      harness,
      'checkout-follow',
      (s) => s.gate === 'approval' && s.currentStage === 'prod',
      'prod approval',
    );
    assert.equal((await world.tollgate(['approve', 'checkout-follow', '--yes'], { as: 'bob' })).code, 0);
    assert.equal((await world.tollgate(['approve', 'checkout-follow', '--yes'], { as: 'carol' })).code, 0);

    const run = await following;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /promotion checkout-follow started: checkout 1\.1\.0 through dev → staging → prod/,
    );
    assert.match(
      run.stdout,
      /web UI {2}http:\/\/localhost:\d+\/namespaces\/default\/workflows\/checkout-follow/,
    );
    assert.match(run.stdout, /staging +approved by bob via cli: ship it \(1\/1\)/);
    assert.match(run.stdout, /prod +approved by carol via cli \(2\/2\)/);
    assert.match(run.stdout, /succeeded: checkout 1\.1\.0 promoted through dev → staging → prod/);
    assert.ok(!run.stdout.includes('\u001b['), 'no colours without a TTY');
  });

  void test('abort stops a waiting promotion; --follow exits 1 and --json outputs parse', async () => {
    const release = await manifest('abort', { version: '1.2.0' });
    const following = world.tollgate(['promote', release, '--follow', '--json', '--id', 'checkout-abort'], {
      as: 'rita',
    });
    await waitForState(harness, 'checkout-abort', (s) => s.gate === 'approval', 'approval gate');
    const abort = await world.tollgate(
      ['abort', 'checkout-abort', '--reason', 'wrong build', '--yes', '--json'],
      {
        as: 'rita',
      },
    );
    assert.equal(abort.code, 0, abort.stderr);
    assert.deepEqual(JSON.parse(abort.stdout), { accepted: true, command: 'abort' });

    const run = await following;
    assert.equal(run.code, 1);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines[0]!.promotionId, 'checkout-abort');
    assert.match(String(lines[0]!.releaseDigest), /^sha256:/);
    assert.equal((lines.at(-1)!.result as { status: string }).status, 'aborted');

    const status = await world.tollgate(['status', 'checkout-abort', '--json']);
    assert.equal((JSON.parse(status.stdout) as { status: string }).status, 'aborted');
    const list = await world.tollgate(['list', '--app', 'checkout', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const rows = JSON.parse(list.stdout) as { promotionId: string; status: string }[];
    assert.ok(
      rows.some((r) => r.promotionId === 'checkout-abort' && r.status === 'aborted'),
      list.stdout,
    );
    const history = await world.tollgate(['history', 'checkout-abort', '--json']);
    const records = JSON.parse(history.stdout) as { type: string }[];
    assert.equal(records[0]!.type, 'promotion.started');
    assert.ok(
      records.some((r) => r.type === 'promotion.aborted'),
      history.stdout,
    );
  });

  void test('a requester approving their own release is refused: one line with the reason, recorded as security evidence', async () => {
    const release = await manifest('self', { version: '1.3.0', requester: 'erin' });
    const start = await world.tollgate(['promote', release, '--id', 'checkout-self', '--json'], {
      as: 'erin',
    });
    assert.equal(start.code, 0, start.stderr);
    await waitForState(harness, 'checkout-self', (s) => s.gate === 'approval', 'approval gate');
    const vote = await world.tollgate(['approve', 'checkout-self', '--yes'], { as: 'erin' });
    assert.equal(vote.code, 1);
    const lines = vote.stderr.trim().split('\n');
    assert.equal(lines.length, 1, vote.stderr);
    assert.match(lines[0]!, /^refused: .*erin.*(request|segregation)/i);

    const ledger = await createLedger(
      { type: 'file', path: path.join(world.dir, 'ledger') },
      { logger: createLogger({ level: 'error', pretty: false }) },
    );
    try {
      const [refusal] = await ledger.read('security:checkout-self');
      assert.equal(refusal?.type, 'security.refused');
      assert.equal(refusal.actor.id, 'erin');
      assert.equal(refusal.actor.channel, 'cli');
      assert.equal(refusal.data.reason, lines[0]!.replace(/^refused: /, ''));
      // The CLI records what it sent, with no HTTP request fields it never had.
      assert.equal(refusal.data.command, 'approve');
      assert.equal(refusal.data.refusal, 'refused-by-workflow');
      assert.equal(refusal.data.request, undefined);
    } finally {
      await ledger.close();
    }
    assert.equal(
      (await world.tollgate(['abort', 'checkout-self', '--reason', 'cleanup', '--yes'], { as: 'erin' })).code,
      0,
    );
  });

  void test('approve without --yes and without a terminal refuses to vote (exit 2)', async () => {
    const release = await manifest('unconfirmed', { version: '1.4.0' });
    assert.equal(
      (await world.tollgate(['promote', release, '--id', 'checkout-unconfirmed'], { as: 'rita' })).code,
      0,
    );
    await waitForState(harness, 'checkout-unconfirmed', (s) => s.gate === 'approval', 'approval gate');
    const run = await world.tollgate(['approve', 'checkout-unconfirmed'], { as: 'bob' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /refusing to vote without confirmation: no terminal to ask on, pass --yes/);
    assert.equal((await world.tollgate(['abort', 'checkout-unconfirmed', '--yes'], { as: 'rita' })).code, 0);
  });
});

void describe('bad input', () => {
  void test('a bad manifest gives one line per problem with file:line:col and path, exit code 2, no stack', async () => {
    const file = path.join(world.dir, 'broken.yaml');
    await writeFile(
      file,
      'apiVersion: tollgate.dev/v1\nkind: Release\napp: checkout\nversion: 1.0.0\nartifacts:\n  - name: api\n    ref: x\n    digest: sha256:abc\nrequester: rita\nchange: { description: "" }\n',
    );
    const run = await world.tollgate(['promote', file]);
    assert.equal(run.code, 2);
    const lines = run.stderr.trim().split('\n');
    assert.deepEqual(lines, [
      `error: ${file}:8:13 artifacts[0].digest: must be sha256:<64 lowercase hex>`,
      `error: ${file}:10:24 change.description: must be at least 1 character`,
    ]);
    const missing = await world.tollgate(['promote', path.join(world.dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: .*nope\.yaml: release manifest not found\n$/);
  });

  void test('a bad config gives positioned one-line errors and exit code 2, before anything is started', async () => {
    const file = path.join(world.dir, 'bad-config.yaml');
    await writeFile(
      file,
      [
        'apiVersion: tollgate.dev/v1',
        'kind: Config',
        'pipelines:',
        '  - name: default',
        '    stages:',
        '      - name: prod',
        '        target: { type: command, operations: { deploy: [x], rollback: [x] } }',
        '        approval:',
        '          groups: [ops]',
        '          quorum: 0',
        'ledger: { type: flie }',
        '',
      ].join('\n'),
    );
    const run = await world.tollgate(['--config', file, 'promote', await manifest('ok')]);
    assert.equal(run.code, 2);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 2, run.stderr);
    assert.equal(lines[0], `error: ${file}:10:19 pipelines[0].stages[0].approval.quorum: must be >= 1`);
    assert.match(lines[1]!, new RegExp(`^error: ${file}:11:17 ledger\\.type: `));
    const notYaml = path.join(world.dir, 'not-yaml.yaml');
    await writeFile(notYaml, 'kind: Config\n  bad: [\n');
    const invalid = await world.tollgate(['--config', notYaml, 'config', 'validate']);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /^error: .*not-yaml\.yaml:\d+:\d+ not valid YAML: /);
    assert.doesNotMatch(invalid.stderr, /\n\s+at /);
  });

  void test('an unreachable server is exit code 3 with a hint', async () => {
    const run = await world.tollgate(['status', 'x'], { env: { TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    assert.equal(run.code, 3);
    assert.match(run.stderr, /^error: cannot reach Temporal at 127\.0\.0\.1:1 .*tollgate dev/);
  });

  void test('an unknown promotion is exit code 2', async () => {
    const run = await world.tollgate(['status', 'no-such-promotion']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no promotion no-such-promotion/);
  });
});

void describe('config and keys', () => {
  void test('config schema prints valid JSON Schemas that accept the example config and releases', async () => {
    const ajv = new Ajv2020({ strict: false });
    for (const kind of ['config', 'pipeline', 'release']) {
      const run = await tollgateProcess(['config', 'schema', '--kind', kind], world.env);
      assert.equal(run.code, 0, run.stderr);
      const schema = JSON.parse(run.stdout) as Record<string, unknown>;
      assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
      assert.ok(ajv.validateSchema(schema), JSON.stringify(ajv.errors));
    }
    const release = ajv.compile(
      JSON.parse(
        (await tollgateProcess(['config', 'schema', '--kind', 'release'], world.env)).stdout,
      ) as object,
    );
    const { parse } = await import('yaml');
    assert.ok(
      release(
        parse(
          await readFile(path.join(projectRoot, 'deploy/examples/releases/sample-app-1.0.0.yaml'), 'utf8'),
        ),
      ),
      JSON.stringify(release.errors),
    );
    assert.ok(!release({ kind: 'Release' }), 'and rejects an incomplete release');
  });

  void test('without any config file the built CLI materializes the embedded default, which is valid', async () => {
    const home = path.join(world.dir, 'embedded-home');
    const env: NodeJS.ProcessEnv = { ...world.env, TOLLGATE_HOME: home };
    delete env.TOLLGATE_CONFIG;
    const run = await tollgateProcess(['config', 'validate'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout.split('\n')[0],
      `${path.join(home, 'tollgate.yaml')} (embedded default) is valid`,
    );
  });

  void test('keys init writes a private key (mode 600), prints the public part, and never overwrites', async () => {
    const out = path.join(world.dir, 'keys', 'me.pem');
    const run = await world.tollgate(['keys', 'init', '--out', out, '--json'], {
      env: { TOLLGATE_USER: 'zoe' },
    });
    assert.equal(run.code, 0, run.stderr);
    const printed = JSON.parse(run.stdout) as { publicKey: string; principal: string };
    assert.match(printed.publicKey, /^ed25519:[A-Za-z0-9+/]{43}=$/);
    assert.equal(printed.principal, 'zoe');
    assert.equal((await stat(out)).mode & 0o777, 0o600);
    assert.match(await readFile(out, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
    const again = await world.tollgate(['keys', 'init', '--out', out]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists: refusing to overwrite/);
  });

  void test('a vote signed with a key not registered for the principal is refused before it is sent', async () => {
    const run = await world.tollgate(
      ['approve', 'checkout-follow', '--yes', '--key', path.join(world.dir, 'rita.pem')],
      { as: 'bob' },
    );
    assert.equal(run.code, 2);
    assert.match(run.stderr, /is not registered for bob: add ed25519:/);
  });
});
