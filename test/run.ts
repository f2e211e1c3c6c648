/**
 * `npm test`: finds every test/**\/*.test.ts itself (Node 20's runner neither finds .ts files nor
 * expands globs), compiles the project (tests drive the built `tollgate` command, as users run it),
 * provisions every server the tests start (Temporal CLI, Java test server, PostgreSQL, Prometheus)
 * once for all test processes, then hands the files to node:test. Finding no test file is a failure, so a suite can never pass by running
 * nothing. Arguments narrow the run: `npm test -- test/ledger` or a single file.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { findPostgresBin } from '../src/provision/postgres.js';
import { findPrometheus } from '../src/provision/prometheus.js';
import { findTemporalCli } from '../src/provision/temporal-cli.js';
import { findTestServer } from '../src/provision/test-server.js';
import { projectRoot } from '../src/paths.js';
import { buildOrExit } from './helpers/build.js';

function findTests(dir: string): string[] {
  if (statSync(dir).isFile()) return dir.endsWith('.test.ts') ? [dir] : [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.name !== 'node_modules' && e.name !== 'fixtures')
    .flatMap((e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return findTests(full);
      return e.name.endsWith('.test.ts') ? [full] : [];
    })
    .sort();
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : [path.join(projectRoot, 'test')]).flatMap((r) =>
  findTests(path.resolve(r)),
);
if (files.length === 0) {
  process.stderr.write(`test/run.ts: no *.test.ts files found under ${roots.join(', ') || 'test/'}\n`);
  process.exit(1);
}

buildOrExit('test/run.ts');

const env = { ...process.env };
const cli = await findTemporalCli();
if (cli.type === 'existing-path') env.TEMPORAL_CLI_PATH = cli.path;
const testServer = await findTestServer();
if (testServer.type === 'existing-path') env.TEMPORAL_TEST_SERVER_PATH = testServer.path;
env.TOLLGATE_PG_BIN = await findPostgresBin();
env.PROMETHEUS_BIN = await findPrometheus();

process.stdout.write(`running ${files.length} test files\n`);
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...files.map((f) => path.relative(projectRoot, f))],
  { cwd: projectRoot, env, stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
