/**
 * Ledger benchmarks: fsynced append throughput of the file store and of PostgreSQL (a real
 * server), and the time to verify a long chain.
 *   TOLLGATE_BENCH_APPENDS (default 1000)         records appended per store
 *   TOLLGATE_BENCH_VERIFY_RECORDS (default 100000) chain length verified; 1000000 for the 1M run
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLedger } from '../../src/ledger/create.js';
import { fileLayout } from '../../src/ledger/file-layout.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { buildRecord, GENESIS_HASH } from '../../src/ledger/record.js';
import { verifyChain } from '../../src/ledger/verify.js';
import { createLogger } from '../../src/logging/logger.js';
import { startPostgres } from '../helpers/postgres.js';
import { promotionChain } from '../ledger/samples.js';
import type { BenchResult } from './types.js';

const logger = createLogger({ level: 'error', pretty: false });
const APPENDS = Number(process.env.TOLLGATE_BENCH_APPENDS ?? 1000);
const VERIFY_RECORDS = Number(process.env.TOLLGATE_BENCH_VERIFY_RECORDS ?? 100_000);

/** Realistic records, cycling through the shapes of a promotion, renumbered into one long chain. */
function inputAt(chainId: string, seq: number) {
  const shapes = promotionChain(chainId, 'approved');
  return { ...shapes[seq % shapes.length]!, chainId, promotionId: chainId, seq };
}

async function appendThroughput(name: string, ledger: Ledger, durable: string): Promise<BenchResult> {
  const started = performance.now();
  for (let seq = 0; seq < APPENDS; seq++) await ledger.append(inputAt('bench-append', seq));
  const seconds = (performance.now() - started) / 1000;
  return {
    name,
    unit: 'records/s',
    value: Math.round(APPENDS / seconds),
    details: { records: APPENDS, seconds: Number(seconds.toFixed(2)), durable },
  };
}

export async function run(): Promise<BenchResult[]> {
  const root = await mkdtemp(path.join(tmpdir(), 'tollgate-bench-ledger-'));
  const results: BenchResult[] = [];
  try {
    const file = await createLedger({ type: 'file', path: path.join(root, 'append') }, { logger });
    results.push(
      await appendThroughput('ledger append (file store)', file, 'lock file + fdatasync per append'),
    );
    await file.close();

    const postgres = await startPostgres();
    try {
      const pgLedger = await createLedger(
        { type: 'postgres', connectionString: postgres.connectionString },
        { logger },
      );
      results.push(
        await appendThroughput(
          'ledger append (PostgreSQL)',
          pgLedger,
          'one transaction with advisory lock per append, synchronous commit',
        ),
      );
      await pgLedger.close();
    } finally {
      await postgres.stop();
    }

    // Written directly (not appended one fsync at a time): the subject here is verification.
    const dir = path.join(root, 'verify');
    await mkdir(fileLayout.chainsDir(dir), { recursive: true });
    const lines: string[] = [];
    let prevHash = GENESIS_HASH;
    for (let seq = 0; seq < VERIFY_RECORDS; seq++) {
      const record = buildRecord(inputAt('bench-verify', seq), prevHash);
      prevHash = record.hash;
      lines.push(JSON.stringify(record));
    }
    await writeFile(fileLayout.chainFile(dir, 'bench-verify'), `${lines.join('\n')}\n`);
    lines.length = 0;
    const ledger = await createLedger({ type: 'file', path: dir }, { logger });
    const started = performance.now();
    const raw = await ledger.readRaw('bench-verify');
    const result = verifyChain('bench-verify', raw, undefined);
    const seconds = (performance.now() - started) / 1000;
    await ledger.close();
    if (!result.ok) throw new Error(`benchmark chain did not verify: ${result.problems.join('; ')}`);
    results.push({
      name: `ledger verify ${VERIFY_RECORDS} records (file store)`,
      unit: 's',
      value: Number(seconds.toFixed(2)),
      details: { recordsPerSecond: Math.round(VERIFY_RECORDS / seconds) },
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return results;
}
