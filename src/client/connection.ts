/**
 * Connections to Temporal, configured the way the `temporal` CLI is: profiles in the Temporal
 * config file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) and TEMPORAL_* variables (address,
 * namespace, TLS, API key) through @temporalio/envconfig, with --address / --namespace on top.
 * Without any of them: the local dev server `tollgate dev` runs (localhost:7233, `default`).
 */
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnection, NativeConnectionOptions } from '@temporalio/worker';
import type { Logger } from '../logging/logger.js';

export const DEFAULT_ADDRESS = 'localhost:7233';
export const DEFAULT_NAMESPACE = 'default';

export interface ConnectionFlags {
  address?: string;
  namespace?: string;
  profile?: string;
}

export interface TemporalTarget {
  address: string;
  namespace: string;
  options: NativeConnectionOptions;
}

/** The server cannot be reached (exit code 3), as opposed to a request it refused. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

export function resolveTemporalTarget(flags: ConnectionFlags = {}): TemporalTarget {
  let loaded;
  try {
    loaded = loadClientConnectConfig(flags.profile ? { profile: flags.profile } : {});
  } catch (err) {
    throw new Error(`Temporal client configuration: ${(err as Error).message}`);
  }
  const address = flags.address ?? loaded.connectionOptions.address ?? DEFAULT_ADDRESS;
  return {
    address,
    namespace: flags.namespace ?? loaded.namespace ?? DEFAULT_NAMESPACE,
    options: { ...loaded.connectionOptions, address },
  };
}

function unreachable(target: TemporalTarget, err: unknown): UnreachableError {
  const local =
    target.address === DEFAULT_ADDRESS ||
    target.address.startsWith('127.0.0.1') ||
    target.address.startsWith('localhost');
  return new UnreachableError(
    `cannot reach Temporal at ${target.address} (${(err as Error).message.split('\n')[0]})` +
      (local
        ? '; start the local server with `tollgate dev`, or point --address / TEMPORAL_ADDRESS at your cluster'
        : ''),
  );
}

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
