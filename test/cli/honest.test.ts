/**
 * The CLI never misleads: counts approvals the way the workflow does and says who may still
 * approve, refuses (exit non-zero) what the workflow would ignore, says how a finished promotion
 * ended, asks before an abort, checks a waiver before sending it, reads one `--since`, and
 * evaluates a stage's own packs. A real `tollgate` subprocess against a real dev server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDevServer, type Harness } from '../helpers/temporal.js';
import { createCliWorld, waitForState, writeManifest, type CliWorld } from './support.js';

const noop = { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } };
const STAGES = [
  { name: 'dev', target: noop, policy: { packs: ['change-management'] } },
  {
    name: 'prod',
    target: noop,
    policy: { packs: ['change-management'] },
    approval: { groups: ['release-managers', 'security'], quorum: 2, distinctGroups: true },
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

async function start(id: string, fields: Record<string, unknown> = {}): Promise<void> {
  const release = await writeManifest(world.dir, id, { version: id.replace(/^\D+/, ''), ...fields });
  const run = await world.tollgate(['promote', release, '--id', id, '--json'], { as: 'rita' });
  assert.equal(run.code, 0, run.stderr);
}

const atProdApproval = (id: string) =>
  waitForState(harness, id, (s) => s.gate === 'approval' && s.currentStage === 'prod', 'prod approval');

void describe('approvals', () => {
  void test('two approvers of one group at a distinct-groups stage count once, and the CLI says who is still needed', async () => {
    await start('checkout-2.0.0');
    await atProdApproval('checkout-2.0.0');
    const first = await world.tollgate(['approve', 'checkout-2.0.0', '--yes'], { as: 'bob' });
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /approved prod as bob: 1\/2 approvals; waiting for 1 more approval from security \(eligible: carol\)/,
    );
    const second = await world.tollgate(['approve', 'checkout-2.0.0', '--yes'], { as: 'erin' });
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stdout, /2\/2/);
    assert.match(
      second.stdout,
      /approved prod as erin: 1\/2 approvals \(1 more from a group already counted\); waiting for 1 more approval from security \(eligible: carol\)/,
    );
    const status = await world.tollgate(['status', 'checkout-2.0.0']);
    assert.match(
      status.stdout,
      /prod +running +passed +1\/2 bob:approve erin:approve; needs security \(eligible: carol\)/,
    );

    const last = await world.tollgate(['approve', 'checkout-2.0.0', '--yes'], { as: 'carol' });
    assert.match(last.stdout, /approved prod as carol: 2\/2 approvals[^;\n]*; approved/);
    await waitForState(harness, 'checkout-2.0.0', (s) => s.status === 'succeeded', 'success');
  });
});

void describe('Temporal Web UI', () => {
  void test('a promotion carries a summary and details for the UI, and its outcome as TollgateStatus', async () => {
    const description = await harness.env.client.workflow.getHandle('checkout-2.0.0').describe();
    assert.equal(await description.staticSummary(), 'checkout 2.0.0 → dev → prod, requested by rita');
    const details = (await description.staticDetails()) ?? '';
    assert.match(
      details,
      /\*\*prod\*\*: policy change-management · approval 2 of release-managers \+ security/,
    );
    assert.match(details, /Release digest: `sha256:[0-9a-f]{64}`/);
    assert.match(details, /Outcome: the `TollgateStatus` search attribute/);
    const listed = await world.tollgate(['list', '--app', 'checkout', '--status', 'succeeded', '--json']);
    assert.ok(
      (JSON.parse(listed.stdout) as { promotionId: string }[]).some(
        (r) => r.promotionId === 'checkout-2.0.0',
      ),
    );
  });
});

void describe('refusals and finished promotions', () => {
  void test('a freeze by someone who is no operator is refused with exit 1 and never reported as done', async () => {
    const bob = await world.tollgate(['freeze', '--reason', 'payments degraded'], { as: 'bob' });
    assert.equal(bob.code, 1, bob.stdout);
    assert.match(
      bob.stderr,
      /^refused: bob may not freeze the line: not in an operator group of any pipeline \(operators\)/,
    );
    assert.doesNotMatch(bob.stdout, /line frozen/);
    const unfreeze = await world.tollgate(['unfreeze', '--reason', 'resolved'], { as: 'bob' });
    assert.equal(unfreeze.code, 1);

    const erin = await world.tollgate(['freeze', '--reason', 'payments degraded'], { as: 'erin' });
    assert.equal(erin.code, 0, erin.stderr);
    assert.match(erin.stdout, /line frozen by erin/);
    assert.equal((await world.tollgate(['unfreeze', '--reason', 'resolved'], { as: 'erin' })).code, 0);
  });

  void test('pause, abort and approve of a finished promotion say how and when it ended, exit 1', async () => {
    await waitForState(harness, 'checkout-2.0.0', (s) => s.status === 'succeeded', 'success');
    for (const args of [
      ['pause', 'checkout-2.0.0'],
      ['abort', 'checkout-2.0.0', '--yes'],
      ['approve', 'checkout-2.0.0', '--yes'],
    ]) {
      const run = await world.tollgate(args, { as: 'erin' });
      assert.equal(run.code, 1, `${args.join(' ')}: ${run.stderr}`);
      assert.match(
        run.stderr,
        /^refused: promotion checkout-2\.0\.0 already succeeded at \d{4}-\d\d-\d\dT[\d:.]+Z; there is nothing to act on/,
        args.join(' '),
      );
      assert.doesNotMatch(run.stderr, /no promotion/);
    }
  });

  void test('abort asks first: without a terminal it needs --yes (exit 2), with --yes it aborts', async () => {
    await start('checkout-3.0.0');
    await atProdApproval('checkout-3.0.0');
    const asked = await world.tollgate(['abort', 'checkout-3.0.0', '--reason', 'wrong build'], {
      as: 'rita',
    });
    assert.equal(asked.code, 2);
    assert.match(asked.stderr, /refusing to abort without confirmation: no terminal to ask on, pass --yes/);
    assert.equal(
      (await waitForState(harness, 'checkout-3.0.0', (s) => s.status === 'running', 'still running')).status,
      'running',
    );
    const yes = await world.tollgate(['abort', 'checkout-3.0.0', '--reason', 'wrong build', '--yes'], {
      as: 'rita',
    });
    assert.equal(yes.code, 0, yes.stderr);
    await waitForState(harness, 'checkout-3.0.0', (s) => s.status === 'aborted', 'aborted');
  });

  void test('a Tollgate workflow that is no promotion (a stage lock) is named so by status and watch, exit 2', async () => {
    for (const command of ['status', 'watch']) {
      const run = await world.tollgate([command, 'tollgate-lock-checkout-prod']);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /tollgate-lock-checkout-prod is not a promotion but a stageLock workflow/);
    }
  });
});

void describe('waivers', () => {
  void test('waive refuses an unknown rule id and a short justification before sending; a granted waiver shows as waived', async () => {
    // No ticket: change-management's ticket-for-prod fails at prod.
    await start('checkout-4.0.0', { change: { description: 'Add the express checkout' } });
    await waitForState(
      harness,
      'checkout-4.0.0',
      (s) => s.currentStage === 'prod' && s.gate === 'waiver',
      'waiver gate',
    );
    const typo = await world.tollgate(
      [
        'waive',
        'checkout-4.0.0',
        '--stage',
        'prod',
        '--rule',
        'ticket-for-prd',
        '--justification',
        'hotfix for INC-4711',
        '--expires',
        '4h',
      ],
      { as: 'carol' },
    );
    assert.equal(typo.code, 2, typo.stderr);
    assert.match(
      typo.stderr,
      /--rule ticket-for-prd: no such rule at prod \(packs change-management\); did you mean "ticket-for-prod"\?/,
    );
    const short = await world.tollgate(
      [
        'waive',
        'checkout-4.0.0',
        '--stage',
        'prod',
        '--rule',
        'ticket-for-prod',
        '--justification',
        'fix',
        '--expires',
        '4h',
      ],
      { as: 'carol' },
    );
    assert.equal(short.code, 2);
    assert.match(short.stderr, /--justification must be at least 10 characters/);

    const granted = await world.tollgate(
      [
        'waive',
        'checkout-4.0.0',
        '--stage',
        'prod',
        '--rule',
        'ticket-for-prod',
        '--justification',
        'hotfix for INC-4711, ticket follows',
        '--expires',
        '4h',
      ],
      { as: 'carol' },
    );
    assert.equal(granted.code, 0, granted.stderr);
    await atProdApproval('checkout-4.0.0');
    const status = await world.tollgate(['status', 'checkout-4.0.0']);
    assert.match(status.stdout, /prod +running +passed: ticket-for-prod waived/);
    assert.equal((await world.tollgate(['abort', 'checkout-4.0.0', '--yes'], { as: 'rita' })).code, 0);
  });
});

void describe('inputs', () => {
  void test('usage errors exit 2 as the help says; help itself exits 0', async () => {
    assert.equal((await world.tollgate(['status'])).code, 2);
    assert.equal((await world.tollgate(['list', '--bogus'])).code, 2);
    assert.equal((await world.tollgate(['waive', 'x', '--stage', 'prod'])).code, 2);
    assert.equal((await world.tollgate(['--help'])).code, 0);
  });

  void test('list --status with a status that does not exist is a usage error naming the choices', async () => {
    const run = await world.tollgate(['list', '--status', 'bogus']);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /'bogus' is invalid\. Allowed choices are running, succeeded, failed, rejected, expired, aborted, rolled-back, superseded/,
    );
    assert.doesNotMatch(run.stdout, /no promotions match/);
  });

  void test('required options say so in help and in the usage line', async () => {
    for (const [args, flags] of [
      [['policy', 'test', '--help'], ['--stage <stage>']],
      [
        ['waive', '--help'],
        ['--stage <stage>', '--expires <when>'],
      ],
      [['audit', 'export', '--help'], ['--since <when>']],
    ] as const) {
      const run = await world.tollgate([...args]);
      assert.equal(run.code, 0);
      for (const flag of flags) {
        assert.match(run.stdout.split('\n')[0]!, new RegExp(`^Usage: .*${flag}.*\\[options\\]`), run.stdout);
        // The description may wrap onto the next line; it ends before the next option.
        assert.match(
          run.stdout,
          new RegExp(`\\n +${flag} (?:(?!\\n {2}-)[\\s\\S])*\\(required\\)`),
          run.stdout,
        );
      }
    }
  });

  void test('--since means the same in list, audit list and policy backtest: a duration or a date, one message when wrong', async () => {
    const wrong = ['list', 'audit list', 'policy backtest'].map((c) =>
      world.tollgate([...c.split(' '), '--since', 'yesterday']),
    );
    for (const run of await Promise.all(wrong)) {
      assert.equal(run.code, 2, run.stderr);
      assert.match(
        run.stderr,
        /--since yesterday: give a duration such as 24h or 7d, or a date\/time such as 2026-01-31/,
      );
    }
    const audit = await world.tollgate(['audit', 'list', '--since', '7d', '--json']);
    assert.equal(audit.code, 0, audit.stderr);
    assert.ok(
      (JSON.parse(audit.stdout) as { promotionId: string }[]).some((p) => p.promotionId === 'checkout-2.0.0'),
    );
    const list = await world.tollgate([
      'list',
      '--since',
      new Date(Date.now() - 86_400_000).toISOString().slice(0, 10),
      '--json',
    ]);
    assert.ok(
      (JSON.parse(list.stdout) as { promotionId: string }[]).some((p) => p.promotionId === 'checkout-2.0.0'),
    );
  });

  void test("policy test --stage evaluates the stage's packs from the config, as its gate does", async () => {
    const release = await writeManifest(world.dir, 'dry-run');
    const run = await world.tollgate(['policy', 'test', release, '--stage', 'prod', '--json']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const evaluation = JSON.parse(run.stdout) as { packs: { name: string }[] };
    assert.deepEqual(
      evaluation.packs.map((p) => p.name),
      ['change-management'],
    );
    const unknown = await world.tollgate(['policy', 'test', release, '--stage', 'qa']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--stage qa: no such stage \(stages: dev, prod\)/);
  });
});
