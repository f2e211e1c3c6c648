/**
 * `npm run bench:record-corpus`: makes the audit benchmark's recorded archive (audit-corpus.ts)
 * on a real dev server and packs it into test/bench/fixtures/audit-corpus.tar.xz. Re-record
 * when the promotion's shape changes enough that the archive no longer looks like today's (the
 * old one keeps replaying: that is what patched() guarantees).
 *   TOLLGATE_BENCH_RECORDED (default 800)  promotions recorded
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findTemporalCli } from '../../src/provision/temporal-cli.js';
import { createWorld } from '../helpers/promotion-world.js';
import { startDevServer } from '../helpers/temporal.js';
import { MANIFEST_FILE, MIX_NOTE, RECORDED_CORPUS, type CorpusManifest } from './audit-corpus.js';
import { makeCorpusPromotions } from './audit-corpus-make.js';

const COUNT = Number(process.env.TOLLGATE_BENCH_RECORDED ?? 800);
const run = promisify(execFile);

const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-record-corpus-'));
// The histories' 10 ms bakes fire on time instead of after the server's 1 s minimum.
const temporal = await startDevServer({ subSecondTimers: true });
try {
  const world = await createWorld(temporal, { ledgerDir: dir });
  const started = performance.now();
  const promotionIds = await makeCorpusPromotions(world, 0, COUNT);
  await world.ledger.close();
  const temporalCli = await findTemporalCli();
  const manifest: CorpusManifest = {
    recordedAt: new Date().toISOString(),
    commit: (await run('git', ['rev-parse', 'HEAD'])).stdout.trim(),
    ...(temporalCli.type === 'existing-path'
      ? { temporalCli: (await run(temporalCli.path, ['--version'])).stdout.trim() }
      : {}),
    mix: MIX_NOTE,
    promotionIds,
  };
  await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  await run('tar', ['-cJf', RECORDED_CORPUS, '-C', dir, '.']);
  process.stdout.write(
    `recorded ${COUNT} promotions in ${((performance.now() - started) / 1000).toFixed(1)} s into ${RECORDED_CORPUS}\n`,
  );
} finally {
  await temporal.teardown();
  await rm(dir, { recursive: true, force: true });
}
