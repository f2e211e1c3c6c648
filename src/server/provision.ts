/**
 * `npm run provision` / deploy/provision.sh: finds or builds both Temporal servers and prints
 * where they are. Everything else provisions lazily through the same functions.
 */
import { findTemporalCli, ProvisioningError } from './temporal-cli.js';
import { findTestServer } from './test-server.js';

async function main(): Promise<void> {
  const started = Date.now();
  const cli = await findTemporalCli({ allowDownload: false });
  const cliMs = Date.now() - started;
  const testServer = await findTestServer({ allowDownload: false });
  const describe = (e: typeof cli) => (e.type === 'existing-path' ? e.path : 'SDK download');
  process.stdout.write(
    `temporal CLI:        ${describe(cli)} (${cliMs} ms)\n` +
      `java test server:    ${describe(testServer)} (${Date.now() - started - cliMs} ms)\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`tollgate: ${err instanceof ProvisioningError ? err.message : String(err)}\n`);
  process.exit(1);
});
