/** What `tollgate policy test|backtest` do (their shapes are in policy.ts). */
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { LedgerConfig } from '../../config/schema.js';
import type { EvidenceBlobStore } from '../../ledger/blob-store.js';
import { openBlobStore } from '../../ledger/blob-store-create.js';
import { createLedger } from '../../ledger/create.js';
import { createLogger } from '../../logging/logger.js';
import { backtest, type BacktestReport } from '../../policy/backtest.js';
import { createPolicyEngine, PolicySettingsError, type PolicyEngine } from '../../policy/engine.js';
import { PolicyPackError } from '../../policy/loader.js';
import { readReleaseFile, ReleaseFileError } from '../../config/release-file.js';
import type { PolicyEvaluation, RuleResult } from '../../policy/types.js';
import type { CliContext } from '../context.js';
import { UserError } from '../errors.js';
import { parseSince } from '../since.js';

/** The parts of the Tollgate config these commands read; the rest passes through untouched. */
const PolicyCliConfig = z.looseObject({
  policyPackDirs: z.array(z.string()).default(['deploy/policies']),
  policy: z.unknown().optional(),
  ledger: LedgerConfig,
  pipelines: z
    .array(
      z.looseObject({
        name: z.string(),
        stages: z.array(
          z.looseObject({
            name: z.string(),
            policy: z.looseObject({ packs: z.array(z.string()).default([]) }).default({ packs: [] }),
          }),
        ),
      }),
    )
    .default([]),
});
type PolicyCliConfig = z.output<typeof PolicyCliConfig>;

/**
 * The packs the stage's gate evaluates: those its config names (every loaded pack when it names
 * none, as the gate does). A config without pipelines leaves the choice to the loaded packs.
 */
function stagePacks(config: PolicyCliConfig, stage: string, pipeline: string | undefined): string[] {
  if (config.pipelines.length === 0) return [];
  const named = pipeline ? config.pipelines.filter((p) => p.name === pipeline) : config.pipelines;
  if (named.length === 0)
    throw new UserError(
      `no pipeline named ${pipeline} (config has: ${config.pipelines.map((p) => p.name).join(', ')})`,
    );
  const matches = named.flatMap((p) => p.stages.filter((s) => s.name === stage).map((s) => ({ p, s })));
  if (matches.length === 0)
    throw new UserError(
      `--stage ${stage}: no such stage (stages: ${[...new Set(named.flatMap((p) => p.stages.map((s) => s.name)))].join(', ')})`,
    );
  const distinct = new Set(matches.map((m) => m.s.policy.packs.join(',')));
  if (distinct.size > 1)
    throw new UserError(
      `stage ${stage} has different packs in pipelines ${matches.map((m) => m.p.name).join(', ')}: choose one with --pipeline`,
    );
  return matches[0]!.s.policy.packs;
}

export async function test(
  ctx: CliContext,
  releaseFile: string,
  opts: { stage: string; pack?: string[]; packs?: string; pipeline?: string },
  cmd: Command,
): Promise<void> {
  await reportingUserErrors(cmd, async () => {
    const { engine, config } = await engineFromConfig(ctx, opts.pack);
    const release = await readReleaseFile(releaseFile);
    const packs = opts.packs
      ? opts.packs
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : stagePacks(config, opts.stage, opts.pipeline);
    const evaluation = await engine.evaluate(
      {
        promotionId: 'dry-run',
        stage: opts.stage,
        release,
        releaseDigest: '',
        packs,
        time: new Date().toISOString(),
      },
      { baseDir: path.dirname(path.resolve(releaseFile)) },
    );
    ctx.out(
      ctx.json
        ? JSON.stringify(evaluation, null, 2)
        : formatEvaluation(`${release.app} ${release.version}`, evaluation),
    );
    return evaluation.passed
      ? undefined
      : `policy would block ${release.app} ${release.version} at ${opts.stage}`;
  });
}

export async function backtestPacks(
  ctx: CliContext,
  opts: { since: string; pack?: string[] },
  cmd: Command,
): Promise<void> {
  await reportingUserErrors(cmd, async () => {
    const since = parseSince(opts.since);
    // Promotions that stored their evidence are judged on it again, not on the facts of then.
    const { engine, config, logger, close } = await engineFromConfig(ctx, opts.pack, (c) => openBlobStore(c));
    const ledger = await createLedger(config.ledger, { logger });
    try {
      const report = await backtest({ ledger, engine, since });
      ctx.out(ctx.json ? JSON.stringify(report, null, 2) : formatBacktest(report));
    } finally {
      await ledger.close();
      await close();
    }
    return undefined;
  });
}

async function engineFromConfig(
  ctx: CliContext,
  packDirs: string[] | undefined,
  blobs?: (ledger: z.output<typeof LedgerConfig>) => Promise<EvidenceBlobStore>,
) {
  const parsed = PolicyCliConfig.safeParse(await ctx.loadConfig());
  if (!parsed.success) {
    throw new PolicySettingsError(
      `invalid config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const logger = createLogger({ level: 'warn', pretty: false });
  const store = blobs ? await blobs(parsed.data.ledger) : undefined;
  const engine: PolicyEngine = await createPolicyEngine({
    packDirs: packDirs ?? parsed.data.policyPackDirs,
    settings: parsed.data.policy ?? {},
    logger,
    ...(store ? { blobs: store } : {}),
  });
  return { engine, config: parsed.data, logger, close: () => store?.close() ?? Promise.resolve() };
}

const USER_ERRORS = [PolicyPackError, PolicySettingsError, ReleaseFileError, UserError];

/**
 * Runs a command body; a returned message means "ran fine, but the answer is no" (exit 1), a
 * user error (bad pack, settings, manifest, option) is printed without a stack trace (exit 2).
 */
async function reportingUserErrors(cmd: Command, body: () => Promise<string | undefined>): Promise<void> {
  let blocked: string | undefined;
  try {
    blocked = await body();
  } catch (err) {
    if (!USER_ERRORS.some((E) => err instanceof E)) throw err;
    cmd.error(`error: ${(err as Error).message}`, { exitCode: 2, code: 'tollgate.policy.input' });
  }
  if (blocked) cmd.error(blocked, { exitCode: 1, code: 'tollgate.policy.blocked' });
}

const OUTCOME_LABEL: Record<RuleResult['outcome'], string> = {
  pass: 'PASS ',
  fail: 'FAIL ',
  error: 'ERROR',
  skipped: 'SKIP ',
};

export function formatEvaluation(subject: string, e: PolicyEvaluation): string {
  const failed = e.rules.filter((r) => r.outcome === 'fail' || r.outcome === 'error').length;
  const lines = [
    `${subject} → ${e.stage}: ${e.passed ? 'PASSED' : 'BLOCKED'} (${e.rules.length} rules, ${failed} failed)`,
    `result ${e.resultHash}`,
    `packs ${e.packs.map((p) => `${p.name}@${p.version.slice(0, 19)}`).join(', ')}`,
  ];
  for (const r of e.rules) {
    lines.push(`  ${OUTCOME_LABEL[r.outcome]} ${r.pack}/${r.ruleId} [${r.severity}] ${r.description}`);
    if (r.outcome === 'fail' || r.outcome === 'error') {
      if (r.message) lines.push(`         why: ${r.message}`);
      if (r.remediation) lines.push(`         fix: ${r.remediation.trim()}`);
      if (r.controls.length) lines.push(`         controls: ${r.controls.join(', ')}`);
    } else if (r.outcome === 'skipped' && r.message) {
      lines.push(`         (${r.message})`);
    }
  }
  return lines.join('\n');
}

export function formatBacktest(report: BacktestReport): string {
  const lines = [
    `backtest since ${report.since}: ${report.promotions} promotions, ${report.wouldBlock} would have been blocked`,
    `packs ${report.packs.map((p) => `${p.name}@${p.version.slice(0, 19)}`).join(', ')}`,
  ];
  for (const p of report.results) {
    const what = `${p.promotionId} ${p.app ?? '?'} ${p.version ?? '?'} (started ${p.startedAt})`;
    if (p.error) {
      lines.push(`  ERROR  ${what}: ${p.error}`);
      continue;
    }
    if (!p.wouldBlock) {
      lines.push(`  ok     ${what}`);
      continue;
    }
    const stage = p.stages.find((s) => s.stage === p.blockedAt);
    const rules = stage?.failedRules.map((r) => `${r.pack}/${r.ruleId}`).join(', ') ?? '';
    const then = stage?.passedThen === true ? ' (passed at the time)' : '';
    lines.push(`  BLOCK  ${what} at ${p.blockedAt}${then}: ${rules}`);
  }
  return lines.join('\n');
}
