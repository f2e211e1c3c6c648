/** What `tollgate hook serve|keygen` do (their shapes are in hook.ts). */
import { access } from 'node:fs/promises';
import { z } from 'zod';
import { generateSigningKey, publicKeyText, readPrivateKey, writePrivateKey } from '../../keys.js';
import { HookConfig } from '../../chat/config.js';
import { createHookServer } from '../../chat/server.js';
import { LedgerConfig, Principal } from '../../config/schema.js';
import { createLedger } from '../../ledger/create.js';
import { createLogger } from '../../logging/logger.js';
import { connectClient, resolveTemporalTarget } from '../../client/connection.js';
import type { CliContext } from '../context.js';
import { firstIssue } from '../../domain/zod-issue.js';

const ServeConfig = z.object({
  principals: z.array(Principal).default([]),
  ledger: LedgerConfig,
  hook: HookConfig,
});

async function serveConfig(ctx: CliContext): Promise<z.output<typeof ServeConfig>> {
  const parsed = ServeConfig.safeParse(await ctx.loadConfig());
  if (!parsed.success) {
    throw new Error(`config ${firstIssue(parsed.error)}`);
  }
  return parsed.data;
}

export async function serve(ctx: CliContext, opts: { port?: number; host?: string }): Promise<void> {
  const config = await serveConfig(ctx);
  const keyConfig = config.hook.serviceKey;
  if (!keyConfig)
    throw new Error(
      'config hook.serviceKey: set { id, privateKeyFile } (create the key with `tollgate hook keygen`) and list its public key under chatServiceKeys',
    );
  const logger = createLogger();
  const privateKey = await readPrivateKey(keyConfig.privateKeyFile);
  const target = (await ctx.temporalTarget?.()) ?? resolveTemporalTarget();
  const { client, connection } = await connectClient(target);
  const ledger = await createLedger(config.ledger, { logger });
  const hook = await createHookServer({
    config: config.hook,
    client,
    ledger,
    principals: config.principals,
    serviceKey: { id: keyConfig.id, privateKey },
    logger,
  });
  const url = await hook.listen(opts.port, opts.host);
  ctx.out(ctx.json ? JSON.stringify({ listening: url }) : `tollgate hook listening on ${url}`);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'hook shutting down');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await hook.close();
  await ledger.close();
  await connection.close();
}

export async function keygen(ctx: CliContext, opts: { out: string; id: string }): Promise<void> {
  const exists = await access(opts.out).then(
    () => true,
    () => false,
  );
  if (exists) throw new Error(`${opts.out} already exists: refusing to overwrite a signing key`);
  const key = generateSigningKey();
  await writePrivateKey(opts.out, key);
  const publicKey = publicKeyText(key);
  if (ctx.json) {
    ctx.out(JSON.stringify({ id: opts.id, keyId: `chat:${opts.id}`, publicKey, privateKeyFile: opts.out }));
    return;
  }
  ctx.out(
    [
      `wrote ${opts.out} (mode 600). Add to the Tollgate config:`,
      '',
      'chatServiceKeys:',
      `  - id: ${opts.id}`,
      `    publicKey: ${publicKey}`,
      'hook:',
      '  serviceKey:',
      `    id: ${opts.id}`,
      `    privateKeyFile: ${opts.out}`,
    ].join('\n'),
  );
}
