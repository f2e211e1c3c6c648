/**
 * `tollgate`: the release engineer's CLI. One command group per file under commands/; this file
 * declares the global options, registers the groups and turns failures into exit codes.
 */
import { Command, CommanderError, Option } from 'commander';
import { Tollgate } from './context.js';
import { EXIT } from './errors.js';
import { createOutput } from './output.js';
import { registerActionCommands } from './commands/act.js';
import { registerAttestCommands } from './commands/attest.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerCanaryCommands } from './commands/canary.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDevCommands } from './commands/dev.js';
import { registerHookCommands } from './commands/hook.js';
import { registerInspectCommands } from './commands/inspect.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerLedgerCommands } from './commands/ledger.js';
import { registerLineCommands } from './commands/line.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerPromoteCommand } from './commands/promote.js';
import { registerRollbackCommand } from './commands/rollback.js';

export function buildProgram(): { program: Command; ctx: Tollgate } {
  const io = createOutput();
  const program = new Command('tollgate')
    .description(
      'Durable release promotion on Temporal: policy gates, signed approvals, canaries, automatic rollback.',
    )
    .option(
      '-c, --config <file>',
      'Tollgate config (default: $TOLLGATE_CONFIG, ./tollgate.yaml, the embedded default)',
    )
    .option('--json', 'machine-readable output')
    .option(
      '--address <host:port>',
      'Temporal address (default: Temporal environment config, then localhost:7233)',
    )
    .option('--namespace <name>', 'Temporal namespace (default: Temporal environment config, then default)')
    .addOption(new Option('--profile <name>', 'profile in the Temporal config file').env('TEMPORAL_PROFILE'))
    .option('--as <principal>', 'act as this principal (default: $TOLLGATE_USER, then your login name)')
    .option(
      '--key <file>',
      'Ed25519 signing key, PKCS#8 PEM or OpenSSH (default: $TOLLGATE_KEY, .tollgate/keys/<principal>.pem, ~/.tollgate/key.pem, ~/.ssh/id_ed25519)',
    )
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ outputError: (text, write) => write(io.paint('red', text)) })
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  tollgate dev                                  local Temporal, workers and chat hook
  tollgate promote release.yaml --follow        start a promotion and watch it
  tollgate approve <promotion> --stage prod     review and sign an approval
  tollgate list --app checkout --since 7d
  tollgate audit report <promotion> --format html

Exit codes: 0 ok, 1 the outcome was a failure (promotion failed, action refused),
2 invalid input (config, manifest, arguments), 3 Temporal unreachable.`,
    );
  const ctx = new Tollgate(program, io);
  registerPromoteCommand(program, ctx);
  registerInspectCommands(program, ctx);
  registerActionCommands(program, ctx);
  registerRollbackCommand(program, ctx);
  registerLineCommands(program, ctx);
  registerConfigCommands(program, ctx);
  registerKeyCommands(program, ctx);
  registerDevCommands(program, ctx);
  registerDemoCommand(program, ctx);
  registerHookCommands(program, ctx);
  registerPolicyCommands(program, ctx);
  registerCanaryCommands(program, ctx);
  registerAuditCommands(program, ctx);
  registerLedgerCommands(program, ctx);
  markRequired(program);
  registerAttestCommands(program, ctx);
  return { program, ctx };
}

/**
 * commander lists a required option among the optional ones: say "(required)" in its help and
 * put it in the usage line, so `--stage` of `policy test` does not look optional.
 */
function markRequired(command: Command): void {
  const required = command.options.filter((o) => o.mandatory);
  for (const option of required) option.description = `${option.description} (required)`;
  if (required.length) {
    const args = command.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`));
    command.usage([...args, ...required.map((o) => o.flags), '[options]'].join(' '));
  }
  command.commands.forEach(markRequired);
}

export async function main(argv: string[]): Promise<number> {
  const { program, ctx } = buildProgram();
  let code = 0;
  try {
    await program.parseAsync(argv);
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    // commander printed its own message (usage errors, --help, --version) already.
    if (err instanceof CommanderError) code = commanderExitCode(err);
    else {
      const { errorLines, exitCodeOf } = await import('./failure.js');
      code = exitCodeOf(err);
      for (const line of errorLines(err)) ctx.io.err(ctx.io.paint('red', line));
      if (process.env.TOLLGATE_DEBUG && err instanceof Error && err.stack) ctx.io.err(err.stack);
    }
  } finally {
    await ctx.close();
  }
  return code;
}

/**
 * commander exits 1 on a usage error (unknown option, missing argument); Tollgate's help promises
 * 2 for invalid input. Help and version stay 0, and the CLI's own errors keep their codes.
 */
function commanderExitCode(err: CommanderError): number {
  if (err.exitCode === 0 || !err.code.startsWith('commander.')) return err.exitCode;
  return EXIT.usage;
}

/** Resolves once everything written to `stream` has been handed to the OS. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

// A reader that stops early (`tollgate … | head`) is not an error of ours: stop quietly.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw err;
  });

const code = await main(process.argv);
// A pipe takes 64 KiB at a time: exiting before the rest is flushed would cut the output.
await Promise.all([drained(process.stdout), drained(process.stderr)]);
// Exit explicitly: open handles (gRPC channels, timers) must not keep a finished command alive.
process.exit(code);
