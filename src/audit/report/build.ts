import type { KeyObject } from 'node:crypto';
import type { Ledger } from '../../ledger/ledger.js';
import { verifyChain } from '../../ledger/verify.js';
import { buildReport, type PromotionReport } from './model.js';

/** The report of one promotion, with the integrity of its chain checked first. */
export async function promotionReport(
  ledger: Ledger,
  promotionId: string,
  opts: { publicKey?: KeyObject } = {},
): Promise<PromotionReport> {
  const raw = await ledger.readRaw(promotionId);
  if (raw.length === 0)
    throw new Error(`no evidence for promotion ${promotionId} in the ledger (see \`tollgate audit list\`)`);
  const seal = await ledger.getSeal(promotionId);
  const integrity = verifyChain(promotionId, raw, seal, {
    publicKey: opts.publicKey,
    requireSeal: Boolean(opts.publicKey),
  });
  return buildReport(await ledger.read(promotionId), {
    sealed: seal !== undefined,
    refusals: await ledger.read(`security:${promotionId}`),
    integrity,
  });
}
