/**
 * Scenario 5: the PostgreSQL server holding the ledger is restarted — once as after a crash
 * (immediate), once cleanly (fast) — while promotions append evidence. Every record the
 * workflows numbered must be in the ledger exactly once and every chain must verify.
 */
import { startDevServer } from '../helpers/temporal.js';
import { startPostgres } from '../helpers/postgres.js';
import { checkRuns, tally } from './support/checks.js';
import { Installation, type Promotion } from './support/installation.js';
import { waitUntil } from './support/progress.js';
import { runPromotions } from './support/run-promotion.js';
import type { ChaosOptions, Scenario } from './types.js';

/** Long enough that appends fail and are retried. */
const DOWN_MS = 2_000;

export const restartPostgres: Scenario = {
  name: 'PostgreSQL ledger restart during appends',
  async run(opts: ChaosOptions) {
    const promotions = opts.reduced ? 2 : 4;
    // Restart when the first promotion's chain holds this many records.
    const restarts = opts.reduced
      ? [{ at: 4, mode: 'immediate' as const }]
      : [
          { at: 3, mode: 'immediate' as const },
          { at: 10, mode: 'fast' as const },
          { at: 17, mode: 'immediate' as const },
        ];
    const postgres = await startPostgres();
    const temporal = await startDevServer({ logLevel: 'error' });
    let inst: Installation | undefined;
    let closing = false;
    let restarting: Promise<void> = Promise.resolve();
    try {
      inst = await Installation.create({
        address: temporal.env.address,
        postgres: await postgres.createDatabase('chaos_ledger'),
      });
      const ledgerInst = inst;
      ledgerInst.startWorker();
      const restartDuringAppends = async (p: Promotion) => {
        for (const restart of restarts) {
          await waitUntil(ledgerInst, p, (s) => s.records.length >= restart.at, `${restart.at} records`);
          // A run that failed early leaves this running: never start a server after the cleanup.
          if (closing) return;
          restarting = postgres.restart({ mode: restart.mode, downMs: DOWN_MS });
          await restarting;
        }
      };
      const runs = await runPromotions(ledgerInst, promotions, 'chaos-postgres', restartDuringAppends);
      const checks = await checkRuns(ledgerInst, runs, 'promotion', {
        status: 'succeeded',
        records: ['promotion.completed'],
      });
      return tally(
        this.name,
        checks,
        `${restarts.length} restart(s) (${restarts.map((r) => r.mode).join(', ')}; down ${DOWN_MS / 1000} s) while ${promotions} promotions appended`,
      );
    } finally {
      closing = true;
      await restarting.catch(() => undefined);
      await inst?.close();
      await temporal.teardown();
      await postgres.stop();
    }
  },
};
