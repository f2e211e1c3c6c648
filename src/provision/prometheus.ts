import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureCached, isCached } from './cache.js';
import { tollgateHome } from '../paths.js';
import { runWithHeartbeat, whichOnPath } from './run-command.js';
import { defaultProgress, isExecutable, ProvisioningError, type ProvisionOptions } from './temporal-cli.js';
import { PROMETHEUS_DEB } from './versions.js';

const STAMP = `debian:${PROMETHEUS_DEB.package}`;

export function prometheusCacheDir(): string {
  return path.join(tollgateHome(), 'prometheus');
}

/**
 * Finds a Prometheus server binary (the tests' real metrics backend): PROMETHEUS_BIN,
 * `prometheus` on PATH, the project-local cache, then the Debian package fetched with
 * `apt-get download` and unpacked with `dpkg-deb -x` — no root and no service needed.
 */
export async function findPrometheus(opts: ProvisionOptions = {}): Promise<string> {
  const progress = opts.progress ?? defaultProgress;
  const fromEnv = process.env.PROMETHEUS_BIN;
  if (fromEnv) {
    if (await isExecutable(fromEnv)) return fromEnv;
    throw new ProvisioningError(`PROMETHEUS_BIN is set to ${fromEnv}, which is not an executable file.`);
  }
  const onPath = await whichOnPath('prometheus');
  if (onPath) return onPath;

  const dir = prometheusCacheDir();
  const binary = path.join(dir, 'prometheus');
  if ((await isCached(dir, STAMP)) && (await isExecutable(binary))) return binary;
  const [apt, dpkgDeb] = await Promise.all([whichOnPath('apt-get'), whichOnPath('dpkg-deb')]);
  if (!apt || !dpkgDeb)
    throw new ProvisioningError(
      'no Prometheus found: set PROMETHEUS_BIN to a `prometheus` binary or put one on PATH ' +
        '(on Debian or Ubuntu Tollgate fetches the `prometheus` package itself)',
    );
  await ensureCached({
    dir,
    stamp: STAMP,
    onWait: () => progress('another process is fetching Prometheus; waiting for it'),
    fill: async () => {
      progress(`fetching Prometheus (Debian package ${PROMETHEUS_DEB.package}) into ${dir}`);
      const deb = await aptDownload(apt, PROMETHEUS_DEB.package, progress);
      try {
        const unpacked = path.join(path.dirname(deb), 'unpacked');
        const result = await runWithHeartbeat(dpkgDeb, ['-x', deb, unpacked], {
          label: 'dpkg-deb -x',
          progress,
        });
        if (result.code !== 0)
          throw new ProvisioningError(`unpacking ${deb} failed (exit ${result.code}):\n${result.output}`);
        await copyFile(path.join(unpacked, 'usr', 'bin', 'prometheus'), binary);
      } finally {
        await rm(path.dirname(deb), { recursive: true, force: true });
      }
    },
  });
  return binary;
}

/**
 * `apt-get download` of one package into a fresh temporary directory; returns the .deb's path.
 * A machine whose package lists were never fetched knows no packages: as root, the lists are
 * fetched once (`apt-get update`) and the download tried again.
 */
async function aptDownload(apt: string, pkg: string, progress: (line: string) => void): Promise<string> {
  const work = await mkdtemp(path.join(tmpdir(), 'tollgate-deb-'));
  const download = () =>
    runWithHeartbeat(apt, ['download', '-q', pkg], { cwd: work, label: `apt-get download ${pkg}`, progress });
  let result = await download();
  if (result.code !== 0 && process.getuid?.() === 0) {
    progress('apt-get knows no such package yet: fetching the package lists once (apt-get update)');
    await runWithHeartbeat(apt, ['update', '-qq'], { label: 'apt-get update', progress });
    result = await download();
  }
  const deb = (await readdir(work)).find((f) => f.endsWith('.deb'));
  if (result.code !== 0 || !deb) {
    await rm(work, { recursive: true, force: true });
    throw new ProvisioningError(
      `apt-get download ${pkg} failed (exit ${result.code}):\n${result.output.slice(-2000)}\n` +
        `Run \`apt-get update\` as root once, or set PROMETHEUS_BIN to a prometheus binary.`,
    );
  }
  return path.join(work, deb);
}
