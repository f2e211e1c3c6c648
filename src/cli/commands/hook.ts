/**
 * `tollgate hook serve|keygen`: runs the chat hook service, and creates the service key the
 * workflows trust for chat-sourced identities. The work lives in hook.run.ts, loaded only when
 * one of these commands runs.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from '../context.js';

const load = () => import('./hook.run.js');

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

export type { CliContext };

export function registerHookCommands(program: Command, ctx: CliContext): void {
  const hook = program
    .command('hook')
    .description('the chat hook: approvals from Slack, Mattermost and signed webhooks');
  hook
    .command('serve')
    .description(
      'serve the hook HTTP API (/v1/slack/commands, /v1/slack/interactions, /v1/mattermost/commands, /v1/webhooks/<id>)',
    )
    .option('--port <port>', 'port to listen on (default: hook.listen.port)', port)
    .option('--host <host>', 'address to listen on (default: hook.listen.host)')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate hook serve\n  tollgate hook serve --port 8788 --host 0.0.0.0 --json',
    )
    .action(async (opts: { port?: number; host?: string }) => (await load()).serve(ctx, opts));
  hook
    .command('keygen')
    .description("create the hook's Ed25519 service key and print the config that trusts it")
    .requiredOption('--out <file>', 'where to write the private key (PKCS#8 PEM)')
    .option('--id <id>', 'service key id; the workflows know it as chat:<id>', 'chat-hook')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate hook keygen --out .tollgate/keys/chat-hook.pem\n  tollgate hook keygen --out /etc/tollgate/hook.pem --id slack-prod --json',
    )
    .action(async (opts: { out: string; id: string }) => (await load()).keygen(ctx, opts));
}
