/**
 * `tollgate audit list|replay|verify|report|export`: the auditor's tools. Each subcommand is a
 * thin wrapper over src/audit/*, which tests call directly; the work lives in audit.run.ts,
 * loaded only when one of these commands runs.
 */
import { Option, type Command } from 'commander';
import type { ListFilter } from '../../audit/list.js';
import { REPORT_FORMATS, type ReportFormat } from '../../audit/report/render.js';
import type { CliContext } from '../context.js';
import { SINCE_HELP } from '../since.js';
import { STATUSES } from '../statuses.js';

export interface ReplayOptions {
  file?: string;
  online?: boolean;
  workflows?: string;
}

export interface VerifyOptions {
  all?: boolean;
  bundle?: string;
  publicKey?: string;
  since?: string;
  checkpoint?: string;
  temporal?: boolean;
}

export interface ProveOptions {
  publicKey?: string;
  checkpoint?: string;
}

export interface ReportOptions {
  format: ReportFormat;
  out?: string;
  publicKey?: string;
  since?: string;
  until?: string;
  app?: string;
  stage?: string;
  seed?: string;
  sample?: string;
}

const load = () => import('./audit.run.js');

export type { CliContext };

export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const audit = program
    .command('audit')
    .description('list, replay, verify, report on and export promotion evidence');
  const action =
    <A extends unknown[]>(cmd: () => Command, fn: (...args: A) => Promise<boolean | void>) =>
    async (...args: A) => {
      try {
        if ((await fn(...args)) === false) process.exitCode = 1;
      } catch (err) {
        cmd().error(`error: ${(err as Error).message}`, { exitCode: 2 });
      }
    };

  const list: Command = audit
    .command('list')
    .description('promotions recorded in the ledger (works after Temporal retention expired)')
    .option('--app <app>')
    .option('--version <version>')
    .option('--stage <stage>', 'promotions that entered this stage')
    .addOption(
      new Option('--status <status>', 'only promotions that ended so (or are running)').choices(STATUSES),
    )
    .option('--since <when>', SINCE_HELP)
    .option('--until <when>', 'promotions started before this date/time, or before a duration ago')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate audit list --app sample-app --since 2026-01-01\n  tollgate audit list --stage prod --status rolled-back --json',
    )
    .action(
      action(
        () => list,
        async (opts: ListFilter) => (await load()).list(ctx, opts),
      ),
    );

  const replay: Command = audit
    .command('replay [promotion]')
    .description(
      "replay a promotion's history against the current workflow code and cross-check its evidence",
    )
    .option('--file <history.json>', 'replay an exported history file instead of the archive')
    .option('--online', 'fetch the history from Temporal instead of the archive')
    .option('--workflows <path>', 'workflow code to replay against (default: Tollgate workflows)')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate audit replay sample-app-1.0.0-3f2a9c1d\n  tollgate audit replay sample-app-1.0.0-3f2a9c1d --online\n  tollgate audit replay --file history.json --json',
    )
    .action(
      action(
        () => replay,
        async (promotion: string | undefined, opts: ReplayOptions) =>
          (await load()).replay(ctx, promotion, opts),
      ),
    );

  const verify: Command = audit
    .command('verify [promotion]')
    .description('recompute hash chains, check seals and archives; or check an exported bundle offline')
    .option('--all', 'every chain in the ledger (the default without a promotion)')
    .option('--bundle <bundle.tar.gz>', 'verify an evidence bundle instead of the ledger')
    .option(
      '--public-key <ed25519:…>',
      'trusted ledger public key (default: derived from ledgerSigningKey in config)',
    )
    .option(
      '--since <checkpoint file>',
      'a log checkpoint you trusted before: the log must be an append-only extension of it',
    )
    .option(
      '--checkpoint <checkpoint file>',
      'with --bundle: a checkpoint received separately that the bundle must agree with',
    )
    .option('--temporal', "also compare each promotion's workflow runs in Temporal with its evidence")
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate audit verify\n  tollgate audit verify --since last-checkpoint.txt\n  tollgate audit verify --temporal\n  tollgate audit verify sample-app-1.0.0-3f2a9c1d --json\n  tollgate audit verify --bundle evidence.tar.gz --public-key ed25519:<base64> --checkpoint checkpoint.txt',
    )
    .action(
      action(
        () => verify,
        async (promotion: string | undefined, opts: VerifyOptions) =>
          (await load()).verify(ctx, promotion, opts),
      ),
    );

  const prove: Command = audit
    .command('prove <record>')
    .description(
      "inclusion proof of a record (<chain>#<seq>) in the ledger's Merkle log, against a signed checkpoint",
    )
    .option('--public-key <ed25519:…>', 'trusted ledger public key (default: derived from ledgerSigningKey)')
    .option('--checkpoint <checkpoint file>', 'prove against this checkpoint (default: the newest stored)')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate audit prove sample-app-1.0.0-3f2a9c1d#4\n  tollgate audit prove security:sample-app-1.0.0-3f2a9c1d#0 --json',
    )
    .action(
      action(
        () => prove,
        async (record: string, opts: ProveOptions) => (await load()).prove(ctx, record, opts),
      ),
    );

  const archive: Command = audit
    .command('archive [promotion]')
    .description(
      "archive the histories of runs that closed without archiving themselves (terminated, timed out, reset) and record a terminated promotion's end",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate audit archive\n  tollgate audit archive sample-app-1.0.0-3f2a9c1d',
    )
    .action(
      action(
        () => archive,
        async (promotion: string | undefined) => (await load()).archive(ctx, promotion),
      ),
    );

  const report: Command = audit
    .command('report [promotion]')
    .description(
      'audit report of one promotion, or of every change in a period (--since/--until): verdict, control coverage, evidence',
    )
    .addOption(new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('md'))
    .option('--out <file>', 'write to a file instead of standard output')
    .option('--public-key <ed25519:…>', 'trusted ledger public key for the integrity check')
    .option('--since <time>', 'period report: changes started at or after (ISO-8601)')
    .option('--until <time>', 'period report: changes started before (ISO-8601)')
    .option('--app <app>', 'period report: one app only')
    .option('--stage <stage>', 'period report: changes to this stage (DORA metrics for it; default prod)')
    .option('--seed <seed>', 'period report: seed of the sample (printed in the report; default random)')
    .option('--sample <n>', 'period report: sample size (default 25)')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate audit report sample-app-1.0.0-3f2a9c1d\n  tollgate audit report sample-app-1.0.0-3f2a9c1d --format html --out report.html\n  tollgate audit report --since 2026-01-01 --until 2026-04-01 --stage prod --format oscal --out q1.oscal.json',
    )
    .action(
      action(
        () => report,
        async (promotion: string | undefined, opts: ReportOptions) =>
          (await load()).report(ctx, promotion, opts),
      ),
    );

  const exportCmd: Command = audit
    .command('export')
    .description(
      'write an evidence bundle (histories, ledger slice, reports, public key, manifest) for offline verification',
    )
    .requiredOption('--since <when>', SINCE_HELP)
    .requiredOption('--out <bundle.tar.gz>', 'bundle file to write')
    .addHelpText('after', '\nExample:\n  tollgate audit export --since 2026-01-01 --out evidence.tar.gz')
    .action(
      action(
        () => exportCmd,
        async (opts: { since: string; out: string }) => (await load()).exportEvidence(ctx, opts),
      ),
    );
}
