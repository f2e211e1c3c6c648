/**
 * Reattaching and watching: `tollgate watch <id>` follows a running promotion to its end (its
 * `--json` is one object of fields per event), `list --watch` prints promotions as they start
 * and change; and `--json` output read slowly through a pipe arrives whole.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { projectRoot } from '../../src/paths.js';
import { tollgateCommand } from '../helpers/cli-process.js';
import { startDevServer, type Harness } from '../helpers/temporal.js';
import { createCliWorld, waitForState, writeManifest, type CliWorld } from './support.js';

const noop = { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } };
const STAGES = [
  { name: 'dev', target: noop, policy: { packs: ['change-management'] } },
  {
    name: 'prod',
    target: noop,
    policy: { packs: ['change-management'] },
    approval: { groups: ['release-managers'] },
  },
];

let harness: Harness;
let world: CliWorld;

before(async () => {
  harness = await startDevServer();
  world = await createCliWorld(harness, STAGES);
});
after(async () => {
  await world.workers.shutdown();
  await harness.teardown();
});

/** A `tollgate` subprocess whose output is collected as it comes, with a way to wait for a line. */
function live(args: string[]) {
  const [command, argv] = tollgateCommand(args);
  const child = spawn(command, argv, { cwd: projectRoot, env: world.env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    async until(pattern: RegExp, what: string): Promise<void> {
      const deadline = Date.now() + 60_000;
      while (!pattern.test(stdout)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${stdout} ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

void describe('watch', () => {
  void test('watch reattaches to a running promotion and follows it to its end; --json events are fields', async () => {
    const release = await writeManifest(world.dir, 'watched', { version: '5.0.0' });
    const started = await world.tollgate(['promote', release, '--id', 'checkout-watched'], { as: 'rita' });
    assert.equal(started.code, 0, started.stderr);
    await waitForState(harness, 'checkout-watched', (s) => s.gate === 'approval', 'approval');

    const human = live(['watch', 'checkout-watched']);
    const json = live(['watch', 'checkout-watched', '--json']);
    await human.until(/prod +waiting for 1 approval\(s\) from release-managers/, 'the approval gate');
    await json.until(/"event":"approval.waiting"/, 'the approval event');
    assert.equal((await world.tollgate(['approve', 'checkout-watched', '--yes'], { as: 'bob' })).code, 0);

    assert.equal(await human.exited, 0, human.output().stderr);
    assert.equal(await json.exited, 0, json.output().stderr);
    const text = human.output().stdout;
    assert.match(text, /dev +▶ entered/);
    assert.match(text, /prod +approved by bob via cli \(1\/1\)/);
    assert.match(text, /succeeded: checkout 5\.0\.0 promoted through dev → prod/);

    const events = json
      .output()
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const e of events.slice(0, -1)) {
      assert.equal(e.promotionId, 'checkout-watched');
      assert.equal(typeof e.event, 'string', JSON.stringify(e));
      assert.ok(!('text' in e) && !('progress' in e), 'fields, not a formatted line');
    }
    const vote = events.find((e) => e.event === 'vote');
    assert.deepEqual(
      {
        approver: vote?.approver,
        decision: vote?.decision,
        stage: vote?.stage,
        counted: vote?.counted,
        quorum: vote?.quorum,
      },
      { approver: 'bob', decision: 'approve', stage: 'prod', counted: 1, quorum: 1 },
    );
    const policy = events.find((e) => e.event === 'policy' && e.stage === 'dev');
    assert.equal(policy?.passed, true);
    assert.equal((events.at(-1)!.result as { status: string }).status, 'succeeded');

    const again = await world.tollgate(['watch', 'checkout-watched']);
    assert.equal(again.code, 0, 'a finished promotion: its story and its result');
    assert.match(again.stdout, /succeeded: checkout 5\.0\.0/);
  });

  void test('list --watch prints a promotion when it starts and when it changes; --json lines are rows', async () => {
    const watching = live(['list', '--watch', '--json', '--app', 'checkout']);
    await new Promise((r) => setTimeout(r, 1500));
    const release = await writeManifest(world.dir, 'listed', { version: '6.0.0' });
    assert.equal(
      (await world.tollgate(['promote', release, '--id', 'checkout-listed'], { as: 'rita' })).code,
      0,
    );
    await watching.until(/"promotionId":"checkout-listed"[^\n]*"status":"running"/, 'the new promotion');
    await waitForState(harness, 'checkout-listed', (s) => s.gate === 'approval', 'approval');
    assert.equal((await world.tollgate(['abort', 'checkout-listed', '--yes'], { as: 'rita' })).code, 0);
    await watching.until(/"promotionId":"checkout-listed"[^\n]*"status":"aborted"/, 'its end');
    watching.child.kill('SIGINT');
    assert.equal(await watching.exited, 0, watching.output().stderr);
    for (const line of watching.output().stdout.trim().split('\n')) {
      const row = JSON.parse(line) as Record<string, unknown>;
      assert.equal(row.event, 'promotion');
      assert.equal(typeof row.promotionId, 'string');
    }
  });
});

void describe('output through a pipe', () => {
  void test('--json output larger than a pipe holds arrives whole when the reader is slow', async () => {
    const dir = world.dir;
    const pipelines = Array.from({ length: 1200 }, (_, i) => ({
      name: `pipeline-${i}`,
      stages: [
        { name: 'dev', target: noop },
        { name: 'prod', target: noop },
      ],
    }));
    const file = path.join(dir, 'many-pipelines.yaml');
    await writeFile(
      file,
      JSON.stringify({
        apiVersion: 'tollgate.dev/v1',
        kind: 'Config',
        pipelines,
        policyPackDirs: [path.join(projectRoot, 'deploy/policies')],
        ledger: { type: 'file', path: path.join(dir, 'ledger') },
      }),
    );
    // A shell pipe (64 KiB) into a reader that starts late, as `tollgate … --json | slow-tool`.
    const [node, argv] = tollgateCommand(['--config', file, 'config', 'validate', '--json']);
    const quoted = [node, ...argv].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const { stdout } = await promisify(execFile)('sh', ['-c', `${quoted} | (sleep 1.5; cat)`], {
      cwd: projectRoot,
      env: world.env,
      maxBuffer: 16 * 1024 * 1024,
    });
    assert.ok(stdout.length > 65_536, `the output is larger than a pipe (${stdout.length} bytes)`);
    const summary = JSON.parse(stdout) as { pipelines: unknown[] };
    assert.equal(summary.pipelines.length, 1200);
  });
});

void describe('tollgate dev', () => {
  void test('--state-dir holds its state; a hook port in use is one clear error (exit 2), not a raw EADDRINUSE', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const hookPort = (busy.address() as { port: number }).port;
    const grpc = createServer();
    await new Promise<void>((resolve) => grpc.listen(0, '127.0.0.1', resolve));
    const port = (grpc.address() as { port: number }).port;
    await new Promise((r) => grpc.close(r));
    try {
      const stateDir = path.join(world.dir, 'dev-state');
      const env: NodeJS.ProcessEnv = { ...world.env, TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH };
      delete env.TOLLGATE_CONFIG;
      const [command, argv] = tollgateCommand([
        'dev',
        '--port',
        String(port),
        '--headless',
        '--hook-port',
        String(hookPort),
        '--state-dir',
        stateDir,
      ]);
      // From a folder without a tollgate.yaml: the embedded default (with a hook) is materialized.
      const cwd = path.join(world.dir, 'elsewhere');
      await mkdir(cwd);
      const child = spawn(command, argv, { cwd, env });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
      assert.equal(code, 2, stderr);
      assert.match(
        stderr,
        new RegExp(`error: the chat hook cannot listen on 127\\.0\\.0\\.1:${hookPort}: the port is in use`),
      );
      assert.doesNotMatch(stderr, /listen EADDRINUSE|\n\s+at /);
      await access(path.join(stateDir, 'tollgate.yaml'));
      await access(path.join(stateDir, 'keys'));
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });
});
