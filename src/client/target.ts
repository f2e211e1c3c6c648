/**
 * Where Temporal is, resolved the way the `temporal` CLI resolves it: profiles in the Temporal
 * config file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) and TEMPORAL_* variables (address,
 * namespace, TLS, API key) through @temporalio/envconfig, with --address / --namespace on top.
 * Apart from connection.ts so that resolving a target never loads the SDK's client.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

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

export function unreachable(target: TemporalTarget, err: unknown): UnreachableError {
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
