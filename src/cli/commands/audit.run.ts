/** What `tollgate audit …` does (the shapes are in audit.ts); thin wrappers over src/audit/*. */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { LedgerConfig } from '../../config/schema.js';
import { openBlobStore } from '../../ledger/blob-store-create.js';
import { createLedger } from '../../ledger/create.js';
import type { Ledger } from '../../ledger/ledger.js';
import { publicKeyFromText } from '../../ledger/seal.js';
import { readPrivateKey } from '../../approvals/keys.js';
import { createLogger } from '../../logging/logger.js';
import { exportBundle, verifyBundle } from '../../audit/bundle.js';
import { listPromotions, type ListFilter } from '../../audit/list.js';
import {
  historiesFromArchive,
  historiesFromFile,
  historiesFromTemporal,
  replayHistories,
  type ReplayReport,
} from '../../audit/replay.js';
import { promotionReport } from '../../audit/report/build.js';
import { renderReport } from '../../audit/report/render.js';
import { periodReport } from '../../audit/report/period.js';
import { renderPeriodReport } from '../../audit/report/period-tables.js';
import { verifyLedger, type LedgerVerification } from '../../audit/verify.js';
import { connectClient, resolveTemporalTarget } from '../../client/connection.js';
import type { CliContext } from '../context.js';
import { parseSince } from '../since.js';
import type { ReplayOptions, ReportOptions, VerifyOptions } from './audit.js';

const AuditConfig = z.object({ ledger: LedgerConfig, ledgerSigningKey: z.string().optional() });

function auditLogger() {
  return createLogger({ level: process.env.TOLLGATE_LOG_LEVEL ?? 'warn' });
}

async function openLedger(ctx: CliContext): Promise<Ledger> {
  const parsed = AuditConfig.safeParse(await ctx.loadConfig());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`config ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return createLedger(parsed.data.ledger, { logger: auditLogger() });
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

async function withLedger<T>(ctx: CliContext, fn: (ledger: Ledger) => Promise<T>): Promise<T> {
  const ledger = await openLedger(ctx);
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

function describeVerification(v: LedgerVerification): string {
  const lines = v.chains.map(
    (c) =>
      `${c.ok ? 'ok  ' : 'FAIL'} ${c.chainId}: ${c.length} records, seal ${c.seal}${c.problems.length ? ` — ${c.problems.join('; ')}` : ''}`,
  );
  lines.push(
    ...v.artifacts.map(
      (a) =>
        `${a.ok ? 'ok  ' : 'FAIL'} archive ${a.promotionId}/${a.name}${a.problems.length ? ` — ${a.problems.join('; ')}` : ''}`,
    ),
  );
  if (v.firstBad)
    lines.push(`first bad record: ${v.firstBad.chainId}#${v.firstBad.seq}: ${v.firstBad.reason}`);
  lines.push(
    v.ok
      ? `verified ${v.chains.length} chain(s) and ${v.artifacts.length} archive(s)`
      : 'VERIFICATION FAILED',
  );
  return lines.join('\n');
}

function describeReplay(r: ReplayReport): string {
  const lines = r.histories.map(
    (h) =>
      `${h.deterministic ? 'ok  ' : 'FAIL'} ${h.source} (${h.workflowType ?? '?'} ${h.runId ?? ''}): ${h.deterministic ? 'replays deterministically' : h.error}; ${h.evidenceRecords} evidence records`,
  );
  for (const c of r.crossChecks ?? []) {
    lines.push(`${c.ok ? 'ok  ' : 'FAIL'} ledger ${c.chainId}: ${c.matched} records match the history`);
    for (const m of c.missing) lines.push(`     missing from the ledger: #${m.seq} ${m.type}`);
    for (const e of c.extra) lines.push(`     in the ledger but not in the history: #${e.seq} ${e.type}`);
  }
  return lines.join('\n');
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
    const result = await verifyBundle(opts.bundle, { publicKey, logger: auditLogger() });
    const human = [
      ...result.manifestProblems.map((p) => `FAIL ${p}`),
      `key: ${result.key.keyId ?? 'none'} (${result.key.source === 'bundle' ? 'taken from the bundle itself — pass --public-key to pin it' : result.key.source})`,
      result.ledger ? describeVerification(result.ledger) : '',
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
    const result = await verifyLedger(ledger, {
      promotionId: opts.all ? undefined : promotion,
      publicKey: await trustedKey(ctx, opts.publicKey),
    });
    print(ctx, result, describeVerification(result));
    return result.ok;
  });
}

export function report(
  ctx: CliContext,
  promotion: string | undefined,
  opts: ReportOptions,
): Promise<boolean | void> {
  return withLedger(ctx, async (ledger) => {
    const publicKey = await trustedKey(ctx, opts.publicKey);
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
      });
      text = renderPeriodReport(period, opts.format);
      if (opts.out)
        ctx.out(`${opts.out}: ${period.population.length} change(s), sample seed ${period.scope.seed}`);
    } else {
      if (!promotion) throw new Error('give a promotion id, or --since and --until for a period report');
      text = renderReport(await promotionReport(ledger, promotion, { publicKey }), opts.format);
    }
    if (opts.out) await writeFile(opts.out, text);
    else ctx.out(text);
  });
}

export function exportEvidence(
  ctx: CliContext,
  opts: { since: string; out: string },
): Promise<boolean | void> {
  return withLedger(ctx, async (ledger) => {
    const parsed = AuditConfig.parse(await ctx.loadConfig());
    const blobs = await openBlobStore(parsed.ledger);
    const result = await exportBundle(ledger, {
      since: parseSince(opts.since).toISOString(),
      out: opts.out,
      publicKey: await trustedKey(ctx, undefined),
      blobs,
    }).finally(() => blobs.close());
    print(ctx, result, `wrote ${result.out}: ${result.promotions} promotion(s), ${result.files} files`);
  });
}
