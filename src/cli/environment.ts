/**
 * The embedded environment of `tollgate dev` and `tollgate demo`: the Temporal dev server, every
 * worker in-process and, when the config has a hook service key, the chat hook.
 */
import type { Client } from '@temporalio/client';
import { readPrivateKey } from '../keys.js';
import { createHookServer, type HookServer } from '../chat/server.js';
import { connectClient, connectWorker, resolveTemporalTarget } from '../client/connection.js';
import type { TollgateConfig } from '../config/schema.js';
import { createLedger } from '../ledger/create.js';
import type { Logger } from '../logging/logger.js';
import { startDevServer, type DevServer, type DevServerOptions } from '../provision/dev-server.js';
import { runWorkers } from '../worker/run.js';

export interface Embedded {
  server: DevServer;
  client: Client;
  hookUrl?: string;
  /** Resolves with a reason if the dev server or the workers stop on their own. */
  failed: Promise<string>;
  stop(): Promise<void>;
}

export async function startEmbedded(
  config: TollgateConfig,
  opts: DevServerOptions & { hook: boolean; hookPort?: number; logger: Logger },
): Promise<Embedded> {
  const { logger } = opts;
  const server = await startDevServer(opts);
  const stops: (() => Promise<void>)[] = [() => server.stop()];
  const stopAll = async () => {
    for (const stop of stops.reverse())
      await stop().catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
  };
  try {
    const target = resolveTemporalTarget({ address: server.address, namespace: 'default' });
    const { client, connection } = await connectClient(target);
    stops.push(() => connection.close());
    const native = await connectWorker(target, logger);
    stops.push(() => native.close());
    const workers = await runWorkers({
      config,
      connection: native,
      client,
      namespace: 'default',
      stages: 'all',
      orchestration: true,
      logger,
    });
    stops.push(() => workers.shutdown());
    let hookUrl: string | undefined;
    if (opts.hook && config.hook?.serviceKey) {
      const ledger = await createLedger(config.ledger, { logger });
      stops.push(() => ledger.close());
      const hook: HookServer = await createHookServer({
        config: config.hook,
        client,
        ledger,
        principals: config.principals,
        serviceKey: {
          id: config.hook.serviceKey.id,
          privateKey: await readPrivateKey(config.hook.serviceKey.privateKeyFile),
        },
        logger,
      });
      hookUrl = await hook.listen(opts.hookPort);
      stops.push(() => hook.close());
    }
    const failed = Promise.race([
      server.exited,
      workers.done.then(
        () => 'the workers stopped',
        (err: unknown) => `a worker failed: ${(err as Error).message}`,
      ),
    ]);
    let stopping: Promise<void> | undefined;
    return { server, client, ...(hookUrl ? { hookUrl } : {}), failed, stop: () => (stopping ??= stopAll()) };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
