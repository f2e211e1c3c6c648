/**
 * `npm run provision` / deploy/provision.sh: finds or fetches every server Tollgate and its
 * tests run (Temporal CLI, Java time-skipping test server, PostgreSQL, Prometheus) and prints
 * where each is and how long it took. Everything else provisions lazily through the same functions.
 */
import { findPostgresBin } from './postgres.js';
import { findPrometheus } from './prometheus.js';
import { findTemporalCli, ProvisioningError, type ServerExecutable } from './temporal-cli.js';
import { findTestServer } from './test-server.js';

const describe = (e: ServerExecutable) => (e.type === 'existing-path' ? e.path : 'SDK download');

async function timed(label: string, find: () => Promise<string>): Promise<void> {
  const started = Date.now();
  const where = await find();
  process.stdout.write(`${label.padEnd(20)} ${where} (${Date.now() - started} ms)\n`);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const wanted = (name: string) => only.length === 0 || only.includes(name);
  if (wanted('temporal'))
    await timed('temporal CLI:', async () => describe(await findTemporalCli({ allowDownload: false })));
  if (wanted('test-server'))
    await timed('java test server:', async () => describe(await findTestServer({ allowDownload: false })));
  if (wanted('postgres')) await timed('postgresql bin:', () => findPostgresBin());
  if (wanted('prometheus')) await timed('prometheus:', () => findPrometheus());
}

main().catch((err: unknown) => {
  process.stderr.write(`tollgate: ${err instanceof ProvisioningError ? err.message : String(err)}\n`);
  process.exit(1);
});
