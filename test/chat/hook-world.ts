/**
 * What the chat hook tests against real promotions share: a notification receiver, a temporary
 * ledger, the promotion fixture on the dev server and the hook in front of it on 127.0.0.1, with
 * Slack (responses allowed back to 127.0.0.1) and the `ci-bot` generic webhook configured.
 */
import type { NotifyTarget } from '../../src/chat/config.js';
import { HookConfig } from '../../src/chat/config.js';
import { createHookServer } from '../../src/chat/server.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import type { Logger } from '../../src/logging/logger.js';
import type { Harness } from '../helpers/temporal.js';
import { startPromotionFixture, type PromotionFixture } from './promotion-fixture.js';
import { Receiver, exportSecrets, principals, serviceKey, tempLedger, trustFor } from './support.js';

export interface HookWorld {
  receiver: Receiver;
  ledger: Ledger;
  fixture: PromotionFixture;
  /** The hook's base URL. */
  base: string;
  /** Stops everything, the dev server included. */
  stop(): Promise<void>;
}

export async function startHookWorld(opts: {
  temporal: Harness;
  logger: Logger;
  notifyTargets: (receiverUrl: string) => NotifyTarget[];
  /** Hook settings beside Slack and the `ci-bot` webhook, e.g. Mattermost. */
  hookConfig?: Record<string, unknown>;
}): Promise<HookWorld> {
  const { temporal, logger } = opts;
  exportSecrets();
  const receiver = new Receiver();
  await receiver.start();
  const { ledger, dispose } = await tempLedger(logger);
  const key = serviceKey();
  const fixture = await startPromotionFixture({
    temporal,
    ledger,
    trust: trustFor(key),
    logger,
    notifyTargets: opts.notifyTargets(receiver.url),
  });
  const hook = await createHookServer({
    config: HookConfig.parse({
      slack: { signingSecret: { env: 'TEST_HOOK_SLACK_SECRET' }, responseUrlHosts: ['127.0.0.1'] },
      webhooks: [{ id: 'ci-bot', secret: { env: 'TEST_HOOK_WEBHOOK_SECRET' } }],
      ...opts.hookConfig,
    }),
    client: temporal.env.client,
    ledger,
    principals,
    serviceKey: { id: key.id, privateKey: key.privateKey },
    logger,
  });
  const base = await hook.listen(0, '127.0.0.1');
  return {
    receiver,
    ledger,
    fixture,
    base,
    async stop() {
      await hook.close();
      await fixture.stop();
      await receiver.stop();
      await dispose();
      await temporal.teardown();
    },
  };
}
