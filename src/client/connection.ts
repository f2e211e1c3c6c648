/**
 * Connections to Temporal, configured the way the `temporal` CLI is: profiles in the Temporal
 * config file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) and TEMPORAL_* variables (address,
 * namespace, TLS, API key) through @temporalio/envconfig, with --address / --namespace on top.
 * Without any of them: the local dev server `tollgate dev` runs (localhost:7233, `default`).
 */
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { Logger } from '../logging/logger.js';
import { unreachable, type TemporalTarget } from './target.js';

export {
  DEFAULT_ADDRESS,
  DEFAULT_NAMESPACE,
  resolveTemporalTarget,
  UnreachableError,
  type ConnectionFlags,
  type TemporalTarget,
} from './target.js';

/** A client connection; fails fast (UnreachableError) when nothing answers. */
export async function connectClient(
  target: TemporalTarget,
): Promise<{ client: Client; connection: Connection }> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...target.options, connectTimeout: '5s' });
  } catch (err) {
    throw unreachable(target, err);
  }
  return { client: new Client({ connection, namespace: target.namespace }), connection };
}

/**
 * The workers' (Rust core) connection. The SDK's logs go through Tollgate's logger, which must be
 * installed before the first native connection creates the SDK runtime.
 */
export async function connectWorker(target: TemporalTarget, logger: Logger): Promise<NativeConnection> {
  // Loaded here, not at the top: CLI commands that only talk to Temporal never pay for the worker SDK.
  const [{ NativeConnection }, { installTemporalLogging }] = await Promise.all([
    import('@temporalio/worker'),
    import('../logging/temporal-runtime.js'),
  ]);
  installTemporalLogging(logger);
  try {
    return await NativeConnection.connect(target.options);
  } catch (err) {
    throw unreachable(target, err);
  }
}
