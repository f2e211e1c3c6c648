/**
 * Realistic durations on Temporal's time-skipping test server: a 24 h approval expiry and a
 * change window that opens tomorrow run in seconds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTimeSkippingServer, type Harness } from '../helpers/temporal.js';
import { createWorld, testConfig, testRelease } from '../helpers/promotion-world.js';

/**
 * A server per test: once one test has skipped its server's clock a day ahead, the test
 * server kept its clock locked for the next test's workflows (seen with 1.31.0).
 */
async function withTimeSkipping(fn: (temporal: Harness) => Promise<void>): Promise<void> {
  const temporal = await startTimeSkippingServer();
  try {
    await fn(temporal);
  } finally {
    await temporal.teardown();
  }
}

void test(
  'an approval nobody gives expires after 24 hours and ends the promotion as expired',
  { timeout: 120_000 },
  () =>
    withTimeSkipping(async (temporal) => {
      const world = await createWorld(temporal, { stages: ['dev'] });
      await world.run(async () => {
        const base = testConfig().pipelines[0]!;
        const config = testConfig({
          stages: [
            {
              ...base.stages[0]!,
              approval: { groups: ['release-managers'], quorum: 1, distinctGroups: false, timeout: '24h' },
            },
          ],
        });
        const { handle, input } = await world.start(testRelease(), { config });
        const result = await handle.result();
        assert.equal(result.status, 'expired');
        assert.match(result.outcome, /approval of dev expired after 24h/);
        const chain = await world.chain(input.promotionId);
        const requested = chain.find((r) => r.type === 'approval.requested')!;
        const ended = chain.at(-1)!;
        assert.equal(ended.type, 'promotion.expired');
        assert.ok(
          Date.parse(ended.time) - Date.parse(requested.time) >= 24 * 3600_000,
          'expired on workflow time, a day later',
        );
        assert.equal(world.ops.length, 0, 'nothing deployed');
        assert.ok(world.notifications.some((n) => n.event === 'expired'));
      });
    }),
);

void test(
  'a prod deploy outside its change window waits for the window that opens tomorrow',
  { timeout: 120_000 },
  () =>
    withTimeSkipping(async (temporal) => {
      const world = await createWorld(temporal, { stages: ['prod'] });
      await world.run(async () => {
        const now = new Date();
        const tomorrow = new Date(now.getTime() + 24 * 3600_000);
        const day = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][tomorrow.getUTCDay()] as 'mon';
        const base = testConfig().pipelines[0]!;
        const config = testConfig({
          stages: [
            {
              ...base.stages[0]!,
              name: 'prod',
              changeWindows: [{ days: [day], start: '09:00', end: '11:00' }],
            },
          ],
        });
        const { handle, input } = await world.start(testRelease(), { config });
        const result = await handle.result();
        assert.equal(result.status, 'succeeded');
        const chain = await world.chain(input.promotionId);
        const waiting = chain.find((r) => r.type === 'window.waiting')!;
        const deployed = chain.find((r) => r.type === 'deploy.completed')!;
        const opensAt = new Date(
          Date.UTC(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth(), tomorrow.getUTCDate(), 9, 0),
        );
        assert.equal(waiting.data.opensAt, opensAt.toISOString());
        const deployedAt = new Date(deployed.time);
        assert.ok(deployedAt >= opensAt, `deployed at ${deployed.time}, after the window opened`);
        assert.equal(deployedAt.getUTCDay(), tomorrow.getUTCDay());
      });
    }),
);

void test('a waiver from the security group opens a closed change window at once', { timeout: 120_000 }, () =>
  withTimeSkipping(async (temporal) => {
    const world = await createWorld(temporal, { stages: ['prod'] });
    await world.run(async () => {
      const base = testConfig().pipelines[0]!;
      const config = testConfig({
        stages: [
          {
            ...base.stages[0]!,
            name: 'prod',
            changeWindows: [{ days: ['sun'], start: '00:00', end: '00:01' }],
          },
        ],
      });
      const { handle, input } = await world.start(testRelease(), { config });
      await world.waitFor(handle, (s) => s.gate === 'window', 'waiting for the window');
      await world.waive(handle, 'carol', 'prod', ['change-window']);
      assert.equal((await handle.result()).status, 'succeeded');
      const types = (await world.chain(input.promotionId)).map((r) => r.type);
      assert.ok(types.indexOf('waiver.granted') < types.indexOf('deploy.completed'));
    });
  }),
);
