/**
 * Sending a signed action to a promotion. A validator's refusal is printed as one line, and —
 * because the server keeps no trace of refused updates — recorded as `security.refused`
 * evidence in the promotion's security chain, as the chat hook does.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { Refusal, SecurityRecorder } from '../chat/refusals.js';
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
    const recorder = new SecurityRecorder(await ctx.ledger(), await ctx.logger());
    await recorder.record(
      new Refusal('refused-by-workflow', reason),
      { channel: 'cli', verifiedBy: `ed25519:${signer.keyId}`, principal: signer.principal },
      {
        method: 'update',
        path: what.command,
        source: 'cli',
        command: what.command,
        promotionId: what.promotionId,
        ...(what.stage ? { stage: what.stage } : {}),
      },
    );
    await recorder.drain();
    throw new RefusedError(reason);
  }
}
