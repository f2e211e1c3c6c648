/**
 * Scenario 2: the Temporal dev server — file-backed, as `tollgate dev` runs it — is stopped and
 * started again on the same database while promotions are in the middle of their canary. The
 * worker process and the clients stay up; every promotion must still finish, with its evidence
 * complete and verifying.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDevServer, type DevServer } from '../../src/provision/dev-server.js';
import { freePort } from '../../src/targets/local/version-process.js';
import { checkRuns, tally } from './support/checks.js';
import { Installation, type Promotion } from './support/installation.js';
import { waitUntil } from './support/progress.js';
import { runPromotions } from './support/run-promotion.js';
import type { ChaosOptions, Scenario } from './types.js';

/** Long enough for the worker's polls and the clients' calls to fail and back off. */
const DOWN_MS = 3_000;

export const restartTemporal: Scenario = {
  name: 'Temporal server restart mid-canary',
  async run(opts: ChaosOptions) {
    const promotions = opts.reduced ? 1 : 3;
    // Restart when the first promotion's canary reaches these steps.
    const restartAtSteps = opts.reduced ? [2] : [1, 3];
    const dbDir = await mkdtemp(path.join(tmpdir(), 'tollgate-chaos-temporal-'));
    const server = { port: 0, dbFile: path.join(dbDir, 'temporal.db') };
    const start = () => startDevServer({ ...server, headless: true, retention: '1d' });
    // The scenarios start their servers side by side, and the dev server binds ports it picked
    // itself, which another server can take first: a first start that fails tries another port.
    const firstStart = async (attempt = 1): Promise<DevServer> => {
      server.port = await freePort();
      return start().catch((err: unknown) => {
        if (attempt >= 3) throw err;
        return firstStart(attempt + 1);
      });
    };
    let temporal: DevServer = await firstStart();
    const inst = await Installation.create({ address: temporal.address });
    let restarts = 0;
    let closing = false;
    let restarting: Promise<void> = Promise.resolve();
    try {
      inst.startWorker();
      const restartDuringCanary = async (p: Promotion) => {
        for (const step of restartAtSteps) {
          await waitUntil(inst, p, (s) => s.scheduled('setCanaryWeight') >= step, `canary step ${step}`);
          // A run that failed early leaves this running: never start a server after the cleanup.
          if (closing) return;
          restarting = (async () => {
            await temporal.stop();
            await sleep(DOWN_MS);
            temporal = await start();
          })();
          await restarting;
          restarts++;
        }
      };
      const runs = await runPromotions(inst, promotions, 'chaos-restart', restartDuringCanary);
      const checks = await checkRuns(inst, runs, 'promotion', {
        status: 'succeeded',
        records: ['canary.promoted', 'promotion.completed'],
      });
      return tally(
        this.name,
        checks,
        `${restarts} restart(s) of the file-backed dev server (down ${DOWN_MS / 1000} s each) during the canary of ${promotions} concurrent promotion(s)`,
      );
    } finally {
      closing = true;
      await restarting.catch(() => undefined);
      await inst.close();
      await temporal.stop();
      await rm(dbDir, { recursive: true, force: true });
    }
  },
};
