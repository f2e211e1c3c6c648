import { createHash } from 'node:crypto';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureCached, isCached } from './cache.js';
import { projectRoot, tollgateHome } from '../paths.js';
import { runWithHeartbeat, whichOnPath } from './run-command.js';
import {
  defaultProgress,
  isExecutable,
  ProvisioningError,
  type ProvisionOptions,
  type ServerExecutable,
} from './temporal-cli.js';

/** The Maven project that pins the Java test server's version (its pom is the single source). */
const POM = path.join(projectRoot, 'deploy', 'test-server', 'pom.xml');

export function testServerCacheDir(): string {
  return path.join(tollgateHome(), 'test-server');
}

/**
 * Finds Temporal's Java time-skipping test server: TEMPORAL_TEST_SERVER_PATH, the project-local
 * cache, a Maven fetch from Maven Central into that cache, then the SDK's own download.
 * The cache is keyed by the pom's content, so changing the pinned version refetches.
 */
export async function findTestServer(opts: ProvisionOptions = {}): Promise<ServerExecutable> {
  const progress = opts.progress ?? defaultProgress;
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) {
    if (await isExecutable(fromEnv)) return { type: 'existing-path', path: fromEnv };
    throw new ProvisioningError(
      `TEMPORAL_TEST_SERVER_PATH is set to ${fromEnv}, which is not an executable file.`,
    );
  }
  const dir = testServerCacheDir();
  const wrapper = path.join(dir, 'temporal-test-server');
  const stamp = `pom sha256 ${createHash('sha256')
    .update(await readFile(POM))
    .digest('hex')}`;
  if ((await isCached(dir, stamp)) && (await isExecutable(wrapper)))
    return { type: 'existing-path', path: wrapper };

  const [mvn, java] = await Promise.all([whichOnPath('mvn'), whichOnPath('java')]);
  if (mvn && java) {
    await ensureCached({
      dir,
      stamp,
      onWait: () => progress('another process is fetching the Java test server; waiting for it'),
      fill: async () => {
        progress(`fetching Temporal's Java test server from Maven Central into ${dir}`);
        const lib = path.join(dir, 'lib');
        await rm(lib, { recursive: true, force: true });
        const result = await runWithHeartbeat(
          mvn,
          ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`],
          { label: 'Java test server fetch', progress },
        );
        if (result.code !== 0) {
          throw new ProvisioningError(
            `fetching the Java test server with Maven failed (exit ${result.code}):\n${result.output.slice(-2000)}`,
          );
        }
        await writeFile(
          wrapper,
          `#!/bin/sh\nexec "${java}" -cp "${lib}/*" io.temporal.testserver.TestServer "$@"\n`,
        );
        await chmod(wrapper, 0o755);
      },
    });
    return { type: 'existing-path', path: wrapper };
  }
  if (opts.allowDownload ?? true) {
    progress('no Java/Maven found for the time-skipping test server: falling back to the SDK download');
    return { type: 'cached-download' };
  }
  throw new ProvisioningError(
    'no Temporal time-skipping test server found. Set TEMPORAL_TEST_SERVER_PATH, or install a JRE and Maven ' +
      '(Debian: apt-get install default-jre-headless maven) so Tollgate can fetch it from Maven Central.',
  );
}
