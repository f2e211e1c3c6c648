/** `tollgate hook keygen` and `tollgate hook serve` through commander, against the dev server. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Command } from 'commander';
import { registerHookCommands, type CliContext } from '../../src/cli/commands/hook.js';
import { startDevServer } from '../helpers/temporal.js';
import { exportSecrets } from './support.js';

const temporal = await startDevServer();
const dir = await mkdtemp(path.join(tmpdir(), 'hook-cli-'));
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await temporal.teardown();
});

function cli(config: unknown): { program: Command; output: string[] } {
  const output: string[] = [];
  const ctx: CliContext = {
    loadConfig: () => Promise.resolve(config),
    out: (t) => output.push(t),
    json: false,
  };
  const program = new Command().exitOverride();
  registerHookCommands(program, ctx);
  return { program, output };
}

void test('keygen writes a private key and prints the config that trusts it; it never overwrites', async () => {
  const out = path.join(dir, 'keygen.pem');
  const { program, output } = cli({});
  await program.parseAsync(['hook', 'keygen', '--out', out, '--id', 'slack-prod'], { from: 'user' });
  assert.match(await readFile(out, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
  assert.match(
    output[0]!,
    /chatServiceKeys:\n {2}- id: slack-prod\n {4}publicKey: ed25519:[A-Za-z0-9+/]{43}=/,
  );
  await assert.rejects(
    cli({}).program.parseAsync(['hook', 'keygen', '--out', out], { from: 'user' }),
    /already exists: refusing to overwrite a signing key/,
  );
});

void test('serve without a service key says how to create one', async () => {
  const { program } = cli({ ledger: { type: 'file', path: dir }, hook: {} });
  await assert.rejects(
    program.parseAsync(['hook', 'serve'], { from: 'user' }),
    /config hook.serviceKey: set \{ id, privateKeyFile \}/,
  );
  await assert.rejects(
    cli({ ledger: { type: 'file', path: dir }, hook: { listen: { port: 'x' } } }).program.parseAsync(
      ['hook', 'serve'],
      { from: 'user' },
    ),
    /config hook.listen.port: /,
  );
});

void test('serve listens with the configured key and Temporal profile, answers readiness, and stops on SIGTERM', async () => {
  exportSecrets();
  const keyFile = path.join(dir, 'serve.pem');
  await cli({}).program.parseAsync(['hook', 'keygen', '--out', keyFile], { from: 'user' });
  process.env.TEMPORAL_ADDRESS = temporal.env.address;
  const { program, output } = cli({
    ledger: { type: 'file', path: path.join(dir, 'ledger') },
    principals: [{ id: 'alice', groups: ['ops'], chat: { slack: 'U1' } }],
    hook: {
      serviceKey: { id: 'chat-hook', privateKeyFile: keyFile },
      slack: { signingSecret: { env: 'TEST_HOOK_SLACK_SECRET' } },
    },
  });
  const serving = program.parseAsync(['hook', 'serve', '--port', '0', '--host', '127.0.0.1'], {
    from: 'user',
  });
  const deadline = Date.now() + 10_000;
  while (output.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const url = /listening on (http:\/\/\S+)/.exec(output[0] ?? '')?.[1];
  assert.ok(url, `serve printed its URL (${output.join(' ')})`);
  assert.equal((await fetch(`${url}/readyz`)).status, 200);
  process.emit('SIGTERM');
  await serving;
  await assert.rejects(fetch(`${url}/healthz`));
});
