/**
 * Promotions ended from outside the workflow, on a real dev server with the real `temporal` CLI:
 * a terminated one and a reset one are named by the lifecycle check; `audit archive` archives
 * their histories and records the terminated promotion's end, which `audit list` then shows.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { archiveClosedRuns } from '../../src/audit/archive-closed.js';
import { checkLifecycle, runsOf } from '../../src/audit/lifecycle.js';
import { listPromotions } from '../../src/audit/list.js';
import { verifyLedger } from '../../src/audit/verify.js';
import { signerFromKey } from '../../src/ledger/seal.js';
import { findTemporalCli } from '../../src/provision/temporal-cli.js';
import { createWorld, testRelease } from '../helpers/promotion-world.js';
import { startDevServer } from '../helpers/temporal.js';

const run = promisify(execFile);
const temporal = await startDevServer();
after(() => temporal.teardown());

async function temporalCli(...args: string[]): Promise<void> {
  const cli = await findTemporalCli();
  assert.equal(cli.type, 'existing-path', 'the Temporal CLI is provisioned');
  await run(cli.type === 'existing-path' ? cli.path : 'temporal', [
    ...args,
    '--address',
    temporal.env.address,
    '--namespace',
    'default',
  ]);
}

/** Visibility is eventually consistent: waits until Temporal lists `count` runs of the workflow. */
async function runsListed(workflowId: string, count: number, closed: boolean) {
  for (let i = 0; i < 100; i++) {
    const runs = await runsOf(temporal.env.client, workflowId);
    if (
      runs.length >= count &&
      (!closed || runs.every((r) => r.status.name !== 'RUNNING' || runs.length > count))
    )
      return runs;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Temporal never listed ${count} run(s) of ${workflowId}`);
}

void test(
  'terminated and reset promotions are named until their ends are recorded and archived',
  { timeout: 180_000 },
  async () => {
    const world = await createWorld(temporal);
    const signer = signerFromKey(generateKeyPairSync('ed25519').privateKey);
    await world.run(async () => {
      try {
        const waiting = (s: { gate?: string; currentStage?: string }) =>
          s.gate === 'approval' && s.currentStage === 'staging';
        const terminated = await world.start(testRelease({ app: 'ledger-terminated' }));
        const reset = await world.start(testRelease({ app: 'ledger-reset' }));
        await world.waitFor(terminated.handle, waiting, 'staging approval');
        await world.waitFor(reset.handle, waiting, 'staging approval');

        await temporalCli(
          'workflow',
          'terminate',
          '--workflow-id',
          terminated.handle.workflowId,
          '--reason',
          'INC-77 stuck deploy',
        );
        await temporalCli(
          'workflow',
          'reset',
          '--workflow-id',
          reset.handle.workflowId,
          '--type',
          'FirstWorkflowTask',
          '--reason',
          'replay from the start',
        );
        await runsListed(terminated.handle.workflowId, 1, true);
        await runsListed(reset.handle.workflowId, 2, false);

        const before = await checkLifecycle(world.ledger, temporal.env.client);
        assert.equal(before.ok, false);
        const named = (id: string) =>
          before.findings
            .filter((f) => f.promotionId === id)
            .map((f) => f.problem)
            .join('; ');
        assert.match(
          named(terminated.input.promotionId),
          /run \S+ was terminated and the ledger has no terminal evidence of it; it wrote \d+ record/,
        );
        assert.match(named(reset.input.promotionId), /run \S+ was terminated \(reset: run \S+ replaced it\)/);
        assert.equal(
          (await listPromotions(world.ledger)).find((p) => p.promotionId === terminated.input.promotionId)
            ?.status,
          'running',
          'the ledger alone cannot know of the termination',
        );

        const sweep = await archiveClosedRuns(world.ledger, temporal.env.client, { signer });
        assert.ok(
          sweep.archived.some((a) => a.startsWith(`${terminated.input.promotionId}/history-`)),
          'the terminated run is archived',
        );
        assert.ok(
          sweep.archived.some((a) => a.startsWith(`${reset.input.promotionId}/history-`)),
          'the run a reset replaced is archived',
        );
        assert.deepEqual(
          sweep.recorded.map((r) => r.split('#')[0]),
          [terminated.input.promotionId],
        );
        const summary = (await listPromotions(world.ledger)).find(
          (p) => p.promotionId === terminated.input.promotionId,
        )!;
        assert.equal(summary.status, 'terminated');
        assert.match(
          summary.outcome ?? '',
          /terminated from outside the workflow by .*: INC-77 stuck deploy/,
        );
        assert.equal(summary.sealed, true);

        const afterSweep = await checkLifecycle(world.ledger, temporal.env.client);
        assert.equal(
          afterSweep.findings.some((f) => f.promotionId === terminated.input.promotionId),
          false,
        );
        assert.ok(
          afterSweep.findings.some((f) => f.promotionId === reset.input.promotionId),
          'a reset stays visible',
        );
        const again = await archiveClosedRuns(world.ledger, temporal.env.client, { signer });
        assert.deepEqual(again.recorded, [], 'the sweep records an end once');
        const verified = await verifyLedger(world.ledger, {
          promotionId: terminated.input.promotionId,
          publicKey: signer.publicKey,
        });
        assert.equal(verified.chains[0]?.seal, 'valid');
      } finally {
        // The stage locks of the terminated promotions are never released: end every run so the world closes.
        for await (const wf of temporal.env.client.workflow.list({ query: `ExecutionStatus = 'Running'` }))
          await temporal.env.client.workflow.getHandle(wf.workflowId, wf.runId).terminate('test over');
      }
    });
  },
);
