import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tollgateHome } from './paths.js';
import { withDirLock } from './lock.js';
import { runWithHeartbeat, whichOnPath } from './run-command.js';

/**
 * The one place the Temporal CLI version is pinned. Later tags carry a `replace` directive in
 * their go.mod and cannot be `go install`ed (DESIGN.md).
 */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/** How a Temporal server executable is obtained, in the shape the SDK's test environments take. */
export type ServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

export interface ProvisionOptions {
  /** Where progress lines go (stderr by default): the first build takes minutes. */
  progress?: (line: string) => void;
  /** Allow the SDK's own download as a last resort (it needs internet access). */
  allowDownload?: boolean;
}

export class ProvisioningError extends Error {
  override name = 'ProvisioningError';
}

const defaultProgress = (line: string) => process.stderr.write(`tollgate: ${line}\n`);

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function temporalCliCachePath(): string {
  return path.join(tollgateHome(), 'bin', 'temporal');
}

/**
 * Finds the Temporal CLI in the order DESIGN.md gives: TEMPORAL_CLI_PATH, `temporal` on PATH,
 * the project-local cache, a Go build of the pinned module into that cache, the SDK's download.
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

  const cached = temporalCliCachePath();
  const stamp = `${cached}.version`;
  const isCurrent = async () =>
    (await isExecutable(cached)) &&
    (await readFile(stamp, 'utf8').catch(() => '')).trim() === TEMPORAL_CLI_VERSION;
  if (await isCurrent()) return { type: 'existing-path', path: cached };

  const go = await whichOnPath('go');
  if (go) {
    const binDir = path.dirname(cached);
    await mkdir(binDir, { recursive: true });
    return withDirLock(
      path.join(binDir, '.temporal-build.lock'),
      () => progress('another process is building the Temporal CLI; waiting for it'),
      async () => {
        if (await isCurrent()) return { type: 'existing-path', path: cached };
        progress(
          `building Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${binDir} (first time only; about 4 minutes on 2 cores)`,
        );
        const started = Date.now();
        const result = await runWithHeartbeat(
          go,
          ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`],
          {
            env: {
              ...process.env,
              GOBIN: binDir,
              GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim(),
            },
            label: 'Temporal CLI build',
            progress,
          },
        );
        if (result.code !== 0 || !(await isExecutable(cached))) {
          throw new ProvisioningError(
            `building the Temporal CLI with Go failed (exit ${result.code}). Last output:\n${result.output.slice(-2000)}\n` +
              howToProvide(),
          );
        }
        await writeFile(stamp, `${TEMPORAL_CLI_VERSION}\n`);
        progress(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s`);
        return { type: 'existing-path', path: cached };
      },
    );
  }
  if (opts.allowDownload ?? true) {
    progress(
      'no Temporal CLI and no Go toolchain found: falling back to the SDK download (needs internet access)',
    );
    return { type: 'cached-download' };
  }
  throw new ProvisioningError(`no Temporal CLI found.\n${howToProvide()}`);
}

export function howToProvide(): string {
  return [
    'Tollgate needs the Temporal CLI. Any one of these works:',
    '  1. set TEMPORAL_CLI_PATH to an existing `temporal` binary;',
    '  2. put `temporal` on your PATH;',
    `  3. install Go (https://go.dev/dl) and run \`npm run provision\`, which builds ${TEMPORAL_CLI_VERSION} into ${path.dirname(temporalCliCachePath())};`,
    '  4. allow internet access so the Temporal SDK can download its dev server.',
  ].join('\n');
}
