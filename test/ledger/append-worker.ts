/**
 * A separate worker process appending to a shared ledger, as several Tollgate workers would:
 *   node --import tsx test/ledger/append-worker.ts '<ledger config JSON>' append <promotionId>
 *   node --import tsx test/ledger/append-worker.ts '<ledger config JSON>' appendNext <promotionId> <count>
 *   node --import tsx test/ledger/append-worker.ts '<ledger config JSON>' concurrent <tag> <appenders>
 * `concurrent` runs <appenders> appenders at once, each writing the chain <tag>-<k> whole and
 * three refusals on the shared chain security:g-shared.
 */
import { LedgerConfig } from '../../src/config/schema.js';
import { createLedger } from '../../src/ledger/create.js';
import { createLogger } from '../../src/logging/logger.js';
import { promotionChain, refusal } from './samples.js';

const [configJson, mode, promotionId, count] = process.argv.slice(2);
const ledger = await createLedger(LedgerConfig.parse(JSON.parse(configJson!)), {
  logger: createLogger({ level: 'warn', pretty: false }),
});
try {
  if (mode === 'append') {
    for (const input of promotionChain(promotionId!, 'approved')) await ledger.append(input);
  } else if (mode === 'concurrent') {
    await Promise.all(
      Array.from({ length: Number(count) }, async (_, k) => {
        for (const input of promotionChain(`${promotionId}-${k}`, 'approved')) await ledger.append(input);
        for (let i = 0; i < 3; i++) await ledger.appendNext(refusal('g-shared', k * 3 + i));
      }),
    );
  } else {
    for (let i = 0; i < Number(count); i++) await ledger.appendNext(refusal(promotionId!, i));
  }
} finally {
  await ledger.close();
}
