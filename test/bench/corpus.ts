/**
 * Archived promotions one benchmark leaves for a later one in the same `npm run bench`: the
 * throughput benchmark's 200 promotions (three stages, real worker and targets) are part of
 * the archive the audit benchmark replays, which then makes only the rest itself.
 */
export interface Corpus {
  /** The file ledger holding the promotions' evidence chains and archived histories. */
  ledgerDir: string;
  promotionIds: string[];
  /** Removes the ledger once the taker is done with it. */
  dispose(): Promise<void>;
}

let offered: Corpus | undefined;

export async function offerCorpus(corpus: Corpus): Promise<void> {
  await offered?.dispose();
  offered = corpus;
}

export function takeCorpus(): Corpus | undefined {
  const taken = offered;
  offered = undefined;
  return taken;
}
