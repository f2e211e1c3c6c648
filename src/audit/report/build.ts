import type { KeyObject } from 'node:crypto';
import type { TrustedWorker } from '../../domain/worker.js';
import type { Ledger } from '../../ledger/ledger.js';
import { isSecurityChain, verifyChain } from '../../ledger/verify.js';
import { drDrillOf, type DrDrill } from './evidence.js';
import { buildReport, type PromotionReport } from './model.js';

/**
 * Restore drills of the ledger. They live outside promotion chains (a promotion's chain id is
 * its promotion id), so only those other chains are read.
 */
export async function findDrills(ledger: Ledger): Promise<DrDrill[]> {
  const chains = (await ledger.listChains()).filter(
    (c) => !isSecurityChain(c.chainId) && (c.chainId !== c.promotionId || /^dr\b|drill/i.test(c.chainId)),
  );
  const drills: DrDrill[] = [];
  for (const c of chains)
    for (const r of await ledger.read(c.chainId)) {
      const drill = drDrillOf(r);
      if (drill) drills.push(drill);
    }
  return drills.sort((a, b) => a.time.localeCompare(b.time));
}

/** The report of one promotion, with the integrity of its chain checked first. */
export async function promotionReport(
  ledger: Ledger,
  promotionId: string,
  opts: { publicKey?: KeyObject; workers?: readonly TrustedWorker[] } = {},
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
    drills: await findDrills(ledger),
    archived: (await ledger.listArtifacts(promotionId)).map((a) => a.name),
    ...(opts.workers ? { workers: opts.workers } : {}),
  });
}
