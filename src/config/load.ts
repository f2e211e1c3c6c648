/**
 * Loading the Tollgate config: which file (flag, environment, working directory, embedded
 * default), parsed and validated with one positioned line per problem.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { TollgateConfig } from './schema.js';
import { readWithSchema } from './yaml-file.js';
import { ensureEmbeddedConfig } from './embedded.js';

export { FileProblemsError, displayPath } from './yaml-file.js';

export function loadConfig(file: string): Promise<TollgateConfig> {
  return readWithSchema(file, TollgateConfig, 'Tollgate config');
}

export interface ConfigSource {
  file: string;
  /** Where the choice came from, for `config validate` and error hints. */
  origin: '--config' | 'TOLLGATE_CONFIG' | './tollgate.yaml' | 'embedded default';
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * `--config`, then `TOLLGATE_CONFIG`, then `./tollgate.yaml`, then the embedded default
 * (materialized with freshly generated demo keys under `.tollgate/` on first use).
 */
export async function discoverConfig(
  flag?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConfigSource> {
  if (flag) return { file: flag, origin: '--config' };
  if (env.TOLLGATE_CONFIG) return { file: env.TOLLGATE_CONFIG, origin: 'TOLLGATE_CONFIG' };
  const local = path.resolve('tollgate.yaml');
  if (await exists(local)) return { file: local, origin: './tollgate.yaml' };
  return { file: await ensureEmbeddedConfig(), origin: 'embedded default' };
}
