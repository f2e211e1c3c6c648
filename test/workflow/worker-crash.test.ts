/**
 * Durability: a real `tollgate worker` process is killed with SIGKILL while a deploy is running.
 * After a restart the promotion finishes, each deploy happened once (the target's operation
 * log), and the evidence chain is complete, gap-free and verifies.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { startDevServer } from '../helpers/temporal.js';
import { signedStart, testPrincipals, testRelease } from '../helpers/promotion-world.js';
import { loadConfig } from '../../src/config/load.js';
import { createLedger } from '../../src/ledger/create.js';
import { createLogger } from '../../src/logging/logger.js';
import { verifyLedger } from '../../src/audit/verify.js';
import { stateQuery } from '../../workflows/messages.js';
import type { promotion } from '../../workflows/promotion.js';
import { projectRoot } from '../../src/paths.js';
import { tollgateCommand } from '../helpers/cli-process.js';

const temporal = await startDevServer();
after(() => temporal.teardown());

const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-crash-'));
const configFile = path.join(dir, 'tollgate.yaml');
// Deploys take two seconds, so the worker can be killed in the middle of one.
const slowTarget = `{ type: command, operations: { deploy: [sleep, "2"], rollback: ["true"] } }`;
writeFileSync(
  configFile,
  `apiVersion: tollgate.dev/v1
kind: Config
principals: ${JSON.stringify(testPrincipals())}
pipelines:
  - name: default
    stages:
      - { name: dev, target: ${slowTarget} }
      - { name: staging, target: ${slowTarget} }
ledger: { type: file, path: ${path.join(dir, 'ledger')} }
stateDir: ${path.join(dir, 'state')}
policyPackDirs: []
`,
);

function startWorker(): ChildProcess {
  return spawn(
    ...tollgateCommand([
      '--config',
      configFile,
      '--address',
      temporal.env.address,
      'worker',
      '--orchestration',
      '--all-stages',
    ]),
    { cwd: projectRoot, stdio: 'ignore', env: { ...process.env, CI: 'true' } },
  );
}

void test(
  'a worker killed with SIGKILL mid-deploy: the promotion finishes with no duplicated deploy or evidence',
  { timeout: 240_000 },
  async () => {
    const config = await loadConfig(configFile);
    const release = testRelease();
    const input = signedStart(config, release, {
      promotionId: `${release.app}-${release.version}-crash`,
      taskQueue: 'tollgate',
      deployQueuePrefix: 'tollgate-deploy-',
    });
    let worker = startWorker();
    const handle = await temporal.env.client.workflow.start<typeof promotion>('promotion', {
      taskQueue: 'tollgate',
      workflowId: input.promotionId,
      args: [input.start],
    });

    for (;;) {
      const state = await handle.query(stateQuery).catch(() => undefined);
      if (state?.gate === 'deploy') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    worker = startWorker();
    try {
      const result = await handle.result();
      assert.equal(result.status, 'succeeded');
    } finally {
      worker.kill('SIGKILL');
    }

    for (const stage of ['dev', 'staging']) {
      const log = readFileSync(path.join(dir, 'state', stage, 'operations.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { op: string });
      assert.equal(log.filter((e) => e.op === 'deploy').length, 1, `${stage}: exactly one deploy`);
    }
    const ledger = await createLedger(config.ledger, {
      logger: createLogger({ level: 'error', pretty: false }),
    });
    const chain = await ledger.read(input.promotionId);
    assert.deepEqual(
      chain.map((r) => r.seq),
      chain.map((_, i) => i),
      'no gap, no duplicate',
    );
    assert.equal(chain.filter((r) => r.type === 'deploy.completed').length, 2);
    assert.equal(chain.at(-1)!.type, 'promotion.completed');
    const verification = await verifyLedger(ledger, { promotionId: input.promotionId });
    assert.equal(verification.firstBad, undefined, JSON.stringify(verification.firstBad));
    await ledger.close();
  },
);
