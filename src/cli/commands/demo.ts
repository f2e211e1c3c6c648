/**
 * `tollgate demo` (`npm run demo`): the embedded environment, then two promotions of the sample
 * app, watched live — v1 through dev → staging → prod with approvals sent as signed Slack
 * commands through the chat hook, then an error-prone v2 whose prod canary fails and is rolled
 * back automatically — and finally the audit reports. The dev server's database keeps both
 * promotions for `tollgate dev` and its Web UI. The work lives in demo.run.ts, loaded only when
 * the command runs.
 */
import type { Command } from 'commander';
import type { Tollgate } from '../context.js';
import { portOption } from './dev.js';

export function registerDemoCommand(program: Command, ctx: Tollgate): void {
  program
    .command('demo')
    .description(
      'watch Tollgate work: two promotions of the sample app on the embedded environment, approvals through the chat hook',
    )
    .option('--port <port>', 'Temporal gRPC port', portOption, 7233)
    .addHelpText('after', '\nExamples:\n  npm run demo\n  tollgate demo --port 7300')
    .action(async (opts: { port: number }) => (await import('./demo.run.js')).demo(ctx, opts));
}
