/** What `tollgate ledger backup|restore` and `tollgate dr drill` do (their shapes are in ledger.ts). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { verifyLedger } from '../../audit/verify.js';
import { LedgerConfig } from '../../config/schema.js';
import { BackupError, backupLedger, restoreLedger } from '../../dr/backup.js';
import { runDrill } from '../../dr/drill.js';
import { createLedger } from '../../ledger/create.js';
import { ledgerSignerFromConfig, type LedgerSigner } from '../../ledger/seal.js';
import type { Ledger } from '../../ledger/ledger.js';
import { createLogger } from '../../logging/logger.js';
import type { CliContext } from '../context.js';
import type { DrillOptions } from './ledger.js';
import { firstIssue } from '../../domain/zod-issue.js';

const LedgerCliConfig = z.looseObject({ ledger: LedgerConfig, ledgerSigningKey: z.string().optional() });
const logger = () => createLogger({ level: 'warn', pretty: false });

async function withLiveLedger<T>(
  ctx: CliContext,
  body: (ledger: Ledger, source: 'file' | 'postgres', signer: LedgerSigner | undefined) => Promise<T>,
): Promise<T> {
  const parsed = LedgerCliConfig.safeParse(await ctx.loadConfig());
  if (!parsed.success) {
    throw new BackupError(`config ${firstIssue(parsed.error)}`);
  }
  const signer = await ledgerSignerFromConfig(parsed.data.ledgerSigningKey);
  const ledger = await createLedger(parsed.data.ledger, { logger: logger(), ...(signer ? { signer } : {}) });
  try {
    return await body(ledger, parsed.data.ledger.type, signer);
  } finally {
    await ledger.close();
  }
}

/** A BackupError is the user's to fix: printed without a stack trace, exit code 2. */
async function reporting(cmd: Command, body: () => Promise<string | undefined>): Promise<void> {
  let failed: string | undefined;
  try {
    failed = await body();
  } catch (err) {
    if (!(err instanceof BackupError)) throw err;
    cmd.error(`error: ${err.message}`, { exitCode: 2, code: 'tollgate.ledger.input' });
  }
  if (failed) cmd.error(failed, { exitCode: 1, code: 'tollgate.ledger.failed' });
}

export async function backup(ctx: CliContext, dir: string, cmd: Command): Promise<void> {
  await reporting(cmd, () =>
    withLiveLedger(ctx, async (ledger, source) => {
      const summary = await backupLedger(ledger, path.resolve(dir), { source });
      ctx.out(
        ctx.json
          ? JSON.stringify(summary, null, 2)
          : `backed up ${summary.chains} chains (${summary.records} records) and ${summary.artifacts} archived histories to ${summary.dir} at ${summary.createdAt}`,
      );
      return undefined;
    }),
  );
}

export async function restore(ctx: CliContext, dir: string, cmd: Command): Promise<void> {
  await reporting(cmd, () =>
    withLiveLedger(ctx, async (ledger) => {
      const summary = await restoreLedger(ledger, path.resolve(dir));
      const check = await verifyLedger(ledger);
      const problems = check.chains.flatMap((c) => c.problems.map((p) => `${c.chainId}: ${p}`));
      ctx.out(
        ctx.json
          ? JSON.stringify({ ...summary, verified: check.ok, problems }, null, 2)
          : `restored ${summary.chains} chains (${summary.records} records) and ${summary.artifacts} archived histories from the backup of ${summary.createdAt}; verify: ${check.ok ? 'ok' : `FAILED\n  ${problems.join('\n  ')}`}`,
      );
      return check.ok ? undefined : 'the restored ledger does not verify';
    }),
  );
}

export async function drill(ctx: CliContext, opts: DrillOptions, cmd: Command): Promise<void> {
  await reporting(cmd, () =>
    withLiveLedger(ctx, async (live, source, signer) => {
      const scratchDir = opts.scratchPostgres
        ? undefined
        : await mkdtemp(path.join(tmpdir(), 'tollgate-dr-scratch-'));
      const scratch = await createLedger(
        opts.scratchPostgres
          ? { type: 'postgres', connectionString: opts.scratchPostgres }
          : { type: 'file', path: scratchDir! },
        { logger: logger(), ...(signer ? { signer } : {}) },
      );
      try {
        const { outcome, record } = await runDrill({
          live,
          source,
          scratch: {
            ledger: scratch,
            name: opts.scratchPostgres ? 'postgres (scratch database)' : `file:${scratchDir}`,
          },
          ...(opts.keepBackup ? { keepBackupIn: path.resolve(opts.keepBackup) } : {}),
        });
        ctx.out(
          ctx.json
            ? JSON.stringify(
                { ...outcome, record: { chainId: record.chainId, seq: record.seq, hash: record.hash } },
                null,
                2,
              )
            : [
                `dr drill ${outcome.result.toUpperCase()}: backup of ${outcome.backupAt} restored into ${outcome.restoredInto}`,
                `  ${outcome.verify.chains} chains, ${outcome.verify.records} records, ${outcome.verify.artifacts} archived histories`,
                ...outcome.verify.problems.map((p) => `  problem: ${p}`),
                `  recorded as dr.drill ${record.chainId}#${record.seq} (${record.hash.slice(0, 12)}…)`,
              ].join('\n'),
        );
        return outcome.result === 'passed'
          ? undefined
          : 'the drill failed: the backup does not restore to a verifying ledger';
      } finally {
        await scratch.close();
        if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
      }
    }),
  );
}
