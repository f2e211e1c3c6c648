/**
 * Signing with an SSH key made by the real `ssh-keygen -t ed25519`: the config lists the key's
 * `ssh-ed25519 …` line, the approver votes with the private key file (or it is found at
 * ~/.ssh/id_ed25519), and keys that cannot sign are refused with what to do instead.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startDevServer, type Harness } from '../helpers/temporal.js';
import { createCliWorld, waitForState, writeManifest, type CliWorld } from './support.js';

const run = promisify(execFile);
let harness: Harness;
let world: CliWorld;
let keyDir: string;

async function sshKeygen(name: string, opts: { type?: string; passphrase?: string } = {}): Promise<string> {
  const file = path.join(keyDir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await run('ssh-keygen', [
    '-q',
    '-t',
    opts.type ?? 'ed25519',
    '-N',
    opts.passphrase ?? '',
    '-C',
    name,
    '-f',
    file,
  ]);
  return file;
}

const noop = { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } };

before(async () => {
  harness = await startDevServer();
  keyDir = await mkdtemp(path.join(tmpdir(), 'tollgate-ssh-'));
  const sam = await sshKeygen('sam');
  world = await createCliWorld(
    harness,
    [
      {
        name: 'prod',
        target: noop,
        policy: { packs: ['change-management'] },
        approval: { groups: ['release-managers'] },
      },
    ],
    {
      principals: [
        {
          id: 'sam',
          groups: ['release-managers'],
          publicKeys: [(await readFile(`${sam}.pub`, 'utf8')).trim()],
        },
      ],
    },
  );
});
after(async () => {
  await world.workers.shutdown();
  await harness.teardown();
});

async function waitingPromotion(id: string): Promise<void> {
  const release = await writeManifest(world.dir, id);
  assert.equal((await world.tollgate(['promote', release, '--id', id], { as: 'rita' })).code, 0);
  await waitForState(harness, id, (s) => s.gate === 'approval', `${id} approval`);
}

const asSam = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  world.tollgate(args, { env: { TOLLGATE_USER: 'sam', ...env } });

void test('an approver signs with their ssh-keygen Ed25519 key, by --key and from ~/.ssh/id_ed25519', async () => {
  await waitingPromotion('checkout-ssh');
  const vote = await asSam(['approve', 'checkout-ssh', '--yes', '--key', path.join(keyDir, 'sam')]);
  assert.equal(vote.code, 0, vote.stderr);
  assert.match(vote.stdout, /approved prod as sam: 1\/1 approvals/);
  const state = await waitForState(harness, 'checkout-ssh', (s) => s.status !== 'running', 'the end');
  assert.equal(state.status, 'succeeded');

  // Default discovery: no --key, no TOLLGATE_KEY, the key ssh-keygen wrote in the home directory.
  await waitingPromotion('checkout-ssh-default');
  await mkdir(path.join(world.dir, '.ssh'), { recursive: true });
  await run('cp', [path.join(keyDir, 'sam'), path.join(world.dir, '.ssh', 'id_ed25519')]);
  const found = await asSam(['approve', 'checkout-ssh-default', '--yes', '--json']);
  assert.equal(found.code, 0, found.stderr);
  assert.equal((JSON.parse(found.stdout) as { tally: { approvals: number } }).tally.approvals, 1);
});

void test('an SSH key not registered for the principal is refused, naming the key to register', async () => {
  await waitingPromotion('checkout-ssh-wrong');
  const other = await sshKeygen('other');
  const vote = await asSam(['approve', 'checkout-ssh-wrong', '--yes', '--key', other]);
  assert.equal(vote.code, 2);
  assert.match(vote.stderr, /^error: the key in .*other is not registered for sam: add ed25519:/);
  const state = await waitForState(harness, 'checkout-ssh-wrong', () => true, 'state');
  assert.equal(state.stages[0]!.approval!.votes.length, 0, 'no vote was counted');
});

void test('a passphrase-protected key or a non-Ed25519 SSH key gets one line saying what to do', async () => {
  const locked = await sshKeygen('locked', { passphrase: 'correct horse' });
  const ecdsa = await sshKeygen('ecdsa', { type: 'ecdsa' });
  const withPassphrase = await asSam(['approve', 'checkout-ssh-wrong', '--yes', '--key', locked]);
  assert.equal(withPassphrase.code, 2);
  assert.deepEqual(withPassphrase.stderr.trim().split('\n').length, 1, withPassphrase.stderr);
  assert.match(
    withPassphrase.stderr,
    /is protected by a passphrase.*ssh-keygen -p -N "".*tollgate keys init/,
  );
  const notEd25519 = await asSam(['approve', 'checkout-ssh-wrong', '--yes', '--key', ecdsa]);
  assert.equal(notEd25519.code, 2);
  assert.match(
    notEd25519.stderr,
    /is an SSH ecdsa key; Tollgate signs with Ed25519 only: ssh-keygen -t ed25519/,
  );
  assert.equal((await world.tollgate(['abort', 'checkout-ssh-wrong', '--yes'], { as: 'rita' })).code, 0);
});
