/**
 * Sending a signed action to a promotion. A validator's refusal is printed as one line, and —
 * because the server keeps no trace of refused updates — recorded as `security.refused`
 * evidence in the promotion's security chain, as the chat hook does.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { refusalRecord } from '../approvals/refusals.js';
import type { Tollgate } from './context.js';
import { RefusedError, refusalReason } from './errors.js';
import type { Signer } from './identity.js';

export async function sendAction<R>(
  ctx: Tollgate,
  signer: Signer,
  what: { command: string; promotionId: string; stage?: string },
  send: () => Promise<R>,
): Promise<R> {
  try {
    return await send();
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    const reason = refusalReason(err);
    const logger = await ctx.logger();
    logger.warn({ refusal: 'refused-by-workflow', reason, command: what.command }, 'action refused');
    // A ledger outage must not hide the refusal from the user: it is logged and still printed.
    await (
      await ctx.ledger()
    )
      .appendNext(
        refusalRecord({
          reason,
          refusal: 'refused-by-workflow',
          channel: 'cli',
          principal: signer.principal,
          verifiedBy: `ed25519:${signer.keyId}`,
          promotionId: what.promotionId,
          ...(what.stage ? { stage: what.stage } : {}),
          fallbackChain: 'cli',
          details: { command: what.command },
        }),
      )
      .catch((err: unknown) => logger.error({ err }, 'could not record a refused action in the ledger'));
    throw new RefusedError(reason);
  }
}
