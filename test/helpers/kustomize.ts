/**
 * `kustomize build` for the tests that render Tollgate's own manifests. kustomize is found at
 * `TOLLGATE_KUSTOMIZE_BIN`, on `PATH`, in the project cache, or built once from the Go module
 * proxy (`go install sigs.k8s.io/kustomize/kustomize/v5@<pin>`, about 4 minutes on 2 busy cores)
 * into `.tollgate/kustomize-<pin>/`. No test skips for want of it: without Go the error says so.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureCached } from '../../src/provision/cache.js';
import { tollgateHome } from '../../src/paths.js';
import { runWithHeartbeat, whichOnPath } from '../../src/provision/run-command.js';

export const KUSTOMIZE_MODULE = 'sigs.k8s.io/kustomize/kustomize/v5';
export const KUSTOMIZE_VERSION = 'v5.7.1';

const run = promisify(execFile);
const progress = (line: string) => process.stderr.write(`${line}\n`);

export async function findKustomize(): Promise<string> {
  if (process.env.TOLLGATE_KUSTOMIZE_BIN) return process.env.TOLLGATE_KUSTOMIZE_BIN;
  const onPath = await whichOnPath('kustomize');
  if (onPath) return onPath;
  const dir = path.join(tollgateHome(), `kustomize-${KUSTOMIZE_VERSION}`);
  await ensureCached({
    dir,
    stamp: `${KUSTOMIZE_MODULE}@${KUSTOMIZE_VERSION}`,
    onWait: () => progress('kustomize: another process is building it; waiting'),
    fill: async (into) => {
      const go = await whichOnPath('go');
      if (!go)
        throw new Error(
          `kustomize is not installed and Go is not on PATH to build it: install kustomize ${KUSTOMIZE_VERSION} or Go, or set TOLLGATE_KUSTOMIZE_BIN`,
        );
      progress(
        `kustomize: building ${KUSTOMIZE_MODULE}@${KUSTOMIZE_VERSION} from the Go module proxy (once)`,
      );
      const built = await runWithHeartbeat(go, ['install', `${KUSTOMIZE_MODULE}@${KUSTOMIZE_VERSION}`], {
        env: { ...process.env, GOBIN: into, GOFLAGS: '-mod=mod' },
        label: 'go install kustomize',
        progress,
      });
      if (built.code !== 0)
        throw new Error(
          `go install ${KUSTOMIZE_MODULE}@${KUSTOMIZE_VERSION} failed:\n${built.output.slice(-2000)}`,
        );
    },
  });
  return path.join(dir, 'kustomize');
}

/** The rendered YAML of a kustomization directory. */
export async function kustomizeBuild(dir: string): Promise<string> {
  const { stdout } = await run(await findKustomize(), ['build', dir], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}
