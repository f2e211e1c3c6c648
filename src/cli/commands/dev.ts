/**
 * `tollgate dev` (the embedded environment) and `tollgate worker` (workers for any cluster). The
 * work lives in dev.run.ts, loaded only when one of these commands runs.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Tollgate } from '../context.js';

export interface DevOptions {
  port: number;
  uiPort?: number;
  headless?: boolean;
  hook: boolean;
  hookPort?: number;
  stateDir?: string;
  reset?: boolean;
}

export interface WorkerOptions {
  stage?: string[];
  allStages?: boolean;
  orchestration?: boolean;
  opsPort?: number;
  opsHost: string;
  identity?: string;
  identityKey?: string;
}

const load = () => import('./dev.run.js');

export function portOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError('must be a port number (1-65535)');
  return n;
}

export function registerDevCommands(program: Command, ctx: Tollgate): void {
  program
    .command('dev')
    .description(
      'run everything locally: Temporal dev server (state kept in .tollgate/dev), all workers, the chat hook',
    )
    .option('--port <port>', 'Temporal gRPC port', portOption, 7233)
    .option('--ui-port <port>', 'Temporal Web UI port (default: --port + 1000)', portOption)
    .option('--headless', 'no Web UI')
    .option('--no-hook', 'do not start the chat hook')
    .option(
      '--hook-port <port>',
      "the chat hook's port (default: hook.listen.port in the config, 8787)",
      portOption,
    )
    .option(
      '--state-dir <dir>',
      "Tollgate's home: config, keys, ledger, target state and the dev server's database (default: $TOLLGATE_HOME, then .tollgate/)",
    )
    .option('--reset', "move the dev server's database aside first (a fresh, empty server)")
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate dev\n  tollgate dev --port 7300 --ui-port 8300 --hook-port 8790\n  tollgate dev --state-dir /tmp/tollgate-demo --reset',
    )
    .action(async (opts: DevOptions) => (await load()).dev(ctx, opts));

  program
    .command('worker')
    .description(
      'run Tollgate workers against any Temporal (address and namespace from the Temporal environment)',
    )
    .option(
      '--stage <name...>',
      "serve these stages' deploy queues (tollgate-deploy-<name>), with their credentials",
    )
    .option('--all-stages', 'serve every stage of every pipeline')
    .option(
      '--orchestration',
      'serve the orchestration queue (tollgate): workflows, policy, evidence, notify',
    )
    .option(
      '--ops-port <port>',
      'serve /healthz, /readyz and /metrics on this port (0 picks a free one, printed at start)',
      (value: string) => (value === '0' ? 0 : portOption(value)),
    )
    .option('--ops-host <host>', 'address the --ops-port endpoint listens on', '127.0.0.1')
    .option(
      '--identity <name>',
      "this worker's identity (overrides worker.identity: one config file, one identity per stage worker)",
    )
    .option(
      '--identity-key <file>',
      "this worker's Ed25519 private key file (overrides worker.signingKey), e.g. from a stage-only Secret",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate worker --orchestration\n  TEMPORAL_PROFILE=prod tollgate worker --stage prod --identity prod-worker --identity-key /etc/tollgate/worker-key/worker-key.pem\n  tollgate worker --orchestration --all-stages',
    )
    .action(async (opts: WorkerOptions) => (await load()).worker(ctx, opts));
}
