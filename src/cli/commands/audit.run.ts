/** What `tollgate audit …` does (the shapes are in audit.ts); thin wrappers over src/audit/*. */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { LedgerConfig, TollgateConfig } from '../../config/schema.js';
import { trustedWorkers } from '../../config/worker-identity.js';
import type { TrustedWorker } from '../../domain/worker.js';
import { openBlobStore } from '../../ledger/blob-store-create.js';
import { createLedger } from '../../ledger/create.js';
import type { Ledger } from '../../ledger/ledger.js';
import { publicKeyFromText, signerFromKey } from '../../ledger/seal.js';
import { readPrivateKey } from '../../keys.js';
import { createLogger } from '../../logging/logger.js';
import { exportBundle, verifyBundle } from '../../audit/bundle.js';
import { listPromotions, type ListFilter } from '../../audit/list.js';
import {
  historiesFromArchive,
  historiesFromFile,
  historiesFromTemporal,
  replayHistories,
} from '../../audit/replay.js';
import { promotionReport } from '../../audit/report/build.js';
import { renderReport } from '../../audit/report/render.js';
import { periodReport } from '../../audit/report/period.js';
import { renderPeriodReport } from '../../audit/report/period-tables.js';
import { verifyLedger } from '../../audit/verify.js';
import { connectClient, resolveTemporalTarget } from '../../client/connection.js';
import type { CliContext } from '../context.js';
import { parseSince } from '../since.js';
import { proveRecord } from '../../ledger/prove.js';
import { archiveClosedRuns } from '../../audit/archive-closed.js';
import { checkLifecycle } from '../../audit/lifecycle.js';
import { describeLifecycle, describeReplay, describeVerification } from './audit.describe.js';
import type { ProveOptions, ReplayOptions, ReportOptions, VerifyOptions } from './audit.js';
import { firstIssue } from '../../domain/zod-issue.js';

const AuditConfig = z.object({
  ledger: LedgerConfig,
  ledgerSigningKey: z.string().optional(),
  worker: TollgateConfig.shape.worker,
  workers: TollgateConfig.shape.workers,
  pipelines: z.array(z.object({ stages: z.array(z.object({ name: z.string() })) })).catch([]),
});

/** The stage workers the auditor's config trusts, per stage (the separation row checks their signatures). */
async function reportWorkers(ctx: CliContext): Promise<TrustedWorker[]> {
  const parsed = AuditConfig.safeParse(await ctx.loadConfig());
  if (!parsed.success) return [];
  const stages = [...new Set(parsed.data.pipelines.flatMap((p) => p.stages.map((s) => s.name)))];
  return trustedWorkers(parsed.data, stages);
}

function auditLogger() {
  return createLogger({ level: process.env.TOLLGATE_LOG_LEVEL ?? 'warn' });
}

/** Read-only, or (to issue a checkpoint) writable with the configured ledger key. */
async function openLedger(ctx: CliContext, readOnly: boolean): Promise<Ledger> {
  const parsed = AuditConfig.safeParse(await ctx.loadConfig());
  if (!parsed.success) {
    throw new Error(`config ${firstIssue(parsed.error)}`);
  }
  const keyFile = parsed.data.ledgerSigningKey;
  const signer = !readOnly && keyFile ? signerFromKey(await readPrivateKey(keyFile)) : undefined;
  return createLedger(parsed.data.ledger, { logger: auditLogger(), readOnly, signer });
}

/** A checkpoint note from a file the auditor kept. */
async function readCheckpointFile(option: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(
      `${option} ${file}: cannot read the checkpoint file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

/** The trusted ledger key: given on the command line, or derived from the configured signing key. */
async function trustedKey(ctx: CliContext, text: string | undefined): Promise<KeyObject | undefined> {
  if (text) {
    try {
      return publicKeyFromText(text);
    } catch (err) {
      throw new Error(`--public-key: ${(err as Error).message}`);
    }
  }
  const parsed = AuditConfig.safeParse(await ctx.loadConfig());
  const keyFile = parsed.success ? parsed.data.ledgerSigningKey : undefined;
  return keyFile ? createPublicKey(await readPrivateKey(keyFile)) : undefined;
}

/** Audit commands only read: the store is opened read-only unless `write` is asked for. */
async function withLedger<T>(ctx: CliContext, fn: (ledger: Ledger) => Promise<T>, write = false): Promise<T> {
  const ledger = await openLedger(ctx, !write);
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

async function temporalClient(ctx: CliContext): Promise<{ client: Client; close: () => Promise<void> }> {
  const target = (await ctx.temporalTarget?.()) ?? resolveTemporalTarget();
  const { client, connection } = await connectClient(target);
  return { client, close: () => connection.close() };
}

const print = (ctx: CliContext, value: unknown, human: string) =>
  ctx.out(ctx.json ? JSON.stringify(value, null, 2) : human);

export function list(ctx: CliContext, opts: ListFilter): Promise<boolean | void> {
  const filter: ListFilter = {
    ...opts,
    ...(opts.since ? { since: parseSince(opts.since).toISOString() } : {}),
    ...(opts.until ? { until: parseSince(opts.until, '--until').toISOString() } : {}),
  };
  return withLedger(ctx, async (ledger) => {
    const rows = await listPromotions(ledger, filter);
    print(
      ctx,
      rows,
      rows.length === 0
        ? 'no promotions match'
        : rows
            .map(
              (p) =>
                `${p.promotionId}  ${p.app ?? '?'} ${p.version ?? '?'}  ${p.status}  ${p.startedAt}  stages ${p.reached.join(',')}  ${p.records} records${p.sealed ? ', sealed' : ''}`,
            )
            .join('\n'),
    );
  });
}

export function replay(
  ctx: CliContext,
  promotion: string | undefined,
  opts: ReplayOptions,
): Promise<boolean | void> {
  return withLedger(ctx, async (ledger) => {
    if (!promotion && !opts.file) throw new Error('give a promotion id or --file <history.json>');
    let sources;
    if (opts.file) sources = await historiesFromFile(opts.file);
    else if (opts.online) {
      const first = (await ledger.read(promotion!))[0];
      const temporal = await temporalClient(ctx);
      try {
        sources = await historiesFromTemporal(temporal.client, first?.workflowId ?? promotion!);
      } finally {
        await temporal.close();
      }
    } else sources = await historiesFromArchive(ledger, promotion!);
    const report = await replayHistories(sources, { ledger, workflowsPath: opts.workflows });
    print(ctx, report, describeReplay(report));
    return report.ok;
  });
}

export async function verify(
  ctx: CliContext,
  promotion: string | undefined,
  opts: VerifyOptions,
): Promise<boolean | void> {
  if (opts.bundle) {
    const publicKey = opts.publicKey ? await trustedKey(ctx, opts.publicKey) : undefined;
    const result = await verifyBundle(opts.bundle, {
      publicKey,
      logger: auditLogger(),
      ...(opts.checkpoint ? { checkpoint: await readCheckpointFile('--checkpoint', opts.checkpoint) } : {}),
    });
    const human = [
      ...result.manifestProblems.map((p) => `FAIL ${p}`),
      `key: ${result.key.keyId ?? 'none'} (${result.key.source === 'bundle' ? 'taken from the bundle itself — pass --public-key to pin it' : result.key.source})`,
      result.ledger ? describeVerification(result.ledger) : '',
      ...(result.log
        ? [
            `${result.log.ok ? 'ok  ' : 'FAIL'} log: ${result.log.proven} records and seals proven in the signed tree${result.log.checkpointSize ? ` of ${result.log.checkpointSize} leaves` : ''}`,
            ...result.log.problems.map((p) => `     ${p}`),
          ]
        : []),
      ...result.crossChecks.map(
        (c) =>
          `${c.ok ? 'ok  ' : 'FAIL'} history ↔ ledger ${c.chainId}: ${c.matched} match, ${c.missing.length} missing, ${c.extra.length} extra`,
      ),
      result.ok ? `bundle verified (${result.promotions.length} promotions)` : 'BUNDLE VERIFICATION FAILED',
    ];
    print(ctx, result, human.filter(Boolean).join('\n'));
    return result.ok;
  }
  return withLedger(ctx, async (ledger) => {
    const promotionId = opts.all ? undefined : promotion;
    const result = await verifyLedger(ledger, {
      promotionId,
      publicKey: await trustedKey(ctx, opts.publicKey),
      ...(opts.since ? { since: await readCheckpointFile('--since', opts.since) } : {}),
    });
    if (!opts.temporal) {
      print(ctx, result, describeVerification(result));
      return result.ok;
    }
    const temporal = await temporalClient(ctx);
    try {
      const lifecycle = await checkLifecycle(ledger, temporal.client, promotionId);
      const ok = result.ok && lifecycle.ok;
      print(
        ctx,
        { ...result, ok, lifecycle },
        [describeVerification(result), ...describeLifecycle(lifecycle)].join('\n'),
      );
      return ok;
    } finally {
      await temporal.close();
    }
  });
}

export function archive(ctx: CliContext, promotion: string | undefined): Promise<boolean | void> {
  return withLedger(
    ctx,
    async (ledger) => {
      const parsed = AuditConfig.safeParse(await ctx.loadConfig());
      const keyFile = parsed.success ? parsed.data.ledgerSigningKey : undefined;
      const signer = keyFile ? signerFromKey(await readPrivateKey(keyFile)) : undefined;
      const temporal = await temporalClient(ctx);
      try {
        const sweep = await archiveClosedRuns(ledger, temporal.client, {
          ...(signer ? { signer } : {}),
          ...(promotion ? { promotionId: promotion } : {}),
        });
        print(
          ctx,
          sweep,
          [
            ...sweep.archived.map((a) => `archived ${a}`),
            ...sweep.recorded.map((r) => `recorded ${r}`),
            `${sweep.archived.length} history(ies) archived, ${sweep.recorded.length} end(s) recorded`,
          ].join('\n'),
        );
      } finally {
        await temporal.close();
      }
    },
    true,
  );
}

/** `<chain>#<seq>`: a chain id may itself contain `#`, the sequence number is after the last one. */
function parseRecordRef(text: string): { chainId: string; seq: number } {
  const cut = text.lastIndexOf('#');
  const seq = Number(text.slice(cut + 1));
  if (cut <= 0 || !/^\d+$/.test(text.slice(cut + 1)) || !Number.isSafeInteger(seq))
    throw new Error(
      `${text}: name a record as <chain>#<seq>, e.g. sample-app-1.0.0-3f2a9c1d#4 (see \`tollgate audit list\`)`,
    );
  return { chainId: text.slice(0, cut), seq };
}

export function prove(ctx: CliContext, record: string, opts: ProveOptions): Promise<boolean | void> {
  const ref = parseRecordRef(record);
  return withLedger(ctx, async (ledger) => {
    const publicKey = await trustedKey(ctx, opts.publicKey);
    if (!publicKey)
      throw new Error(
        'no trusted ledger key: pass --public-key ed25519:<base64> or set ledgerSigningKey in the config',
      );
    const { checkpoint, proof } = await proveRecord(ledger, ref, {
      publicKey,
      ...(opts.checkpoint ? { checkpoint: await readCheckpointFile('--checkpoint', opts.checkpoint) } : {}),
    });
    print(
      ctx,
      { record, checkpoint: checkpoint.note, proof },
      [
        `${record} is leaf #${proof.leafIndex} of the ${proof.treeSize} the checkpoint signs (inclusion proof verified)`,
        `leaf: ${proof.leaf}`,
        `inclusion proof (RFC 9162, ${proof.hashes.length} hashes, bottom up):`,
        ...proof.hashes.map((h) => `  ${h}`),
        'checkpoint:',
        checkpoint.note.trimEnd(),
      ].join('\n'),
    );
  });
}

export function report(
  ctx: CliContext,
  promotion: string | undefined,
  opts: ReportOptions,
): Promise<boolean | void> {
  return withLedger(ctx, async (ledger) => {
    const publicKey = await trustedKey(ctx, opts.publicKey);
    const workers = await reportWorkers(ctx);
    let text: string;
    if (opts.since || opts.until) {
      if (promotion) throw new Error('give either a promotion or --since/--until, not both');
      if (!opts.since || !opts.until) throw new Error('a period report needs both --since and --until');
      if (opts.sample !== undefined && !/^\d+$/.test(opts.sample))
        throw new Error(`--sample ${opts.sample}: give a whole number of changes, e.g. 25`);
      const sampleSize = opts.sample === undefined ? undefined : Number(opts.sample);
      const period = await periodReport(ledger, {
        ...opts,
        since: opts.since,
        until: opts.until,
        sampleSize,
        publicKey,
        workers,
      });
      text = renderPeriodReport(period, opts.format);
      if (opts.out)
        ctx.out(`${opts.out}: ${period.population.length} change(s), sample seed ${period.scope.seed}`);
    } else {
      if (!promotion) throw new Error('give a promotion id, or --since and --until for a period report');
      text = renderReport(await promotionReport(ledger, promotion, { publicKey, workers }), opts.format);
    }
    if (opts.out) await writeFile(opts.out, text);
    else ctx.out(text);
  });
}

export function exportEvidence(
  ctx: CliContext,
  opts: { since: string; out: string },
): Promise<boolean | void> {
  return withLedger(
    ctx,
    async (ledger) => {
      // A fresh checkpoint, so the bundle's proofs cover every record it carries.
      await ledger.checkpoint();
      const parsed = AuditConfig.parse(await ctx.loadConfig());
      const blobs = await openBlobStore(parsed.ledger);
      const result = await exportBundle(ledger, {
        since: parseSince(opts.since).toISOString(),
        out: opts.out,
        publicKey: await trustedKey(ctx, undefined),
        blobs,
      }).finally(() => blobs.close());
      print(ctx, result, `wrote ${result.out}: ${result.promotions} promotion(s), ${result.files} files`);
    },
    true,
  );
}
