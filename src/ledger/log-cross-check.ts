/**
 * The chains and seals held by the store, compared with what the Merkle log says they hold:
 * a record removed, rewritten (even with recomputed hashes) or added behind the writer's back,
 * a seal removed or replaced, a whole chain deleted — each is named with the leaf that logged
 * what is now missing or different.
 */
import type { ChainSeal } from './ledger.js';
import type { BadLeaf, LoggedChain } from './log-verify.js';

export interface ChainLogCheck {
  problems: string[];
  /** The first leaf whose logged record or seal the store no longer holds as logged. */
  badLeaf?: BadLeaf;
}

/** The hash each stored record claims ('' where the text does not parse). */
export function claimedHashes(raw: readonly string[]): string[] {
  return raw.map((text) => {
    try {
      const hash = (JSON.parse(text) as { hash?: unknown }).hash;
      return typeof hash === 'string' ? hash : '';
    } catch {
      return '';
    }
  });
}

/** `stored`: the hash each stored record claims (claimedHashes of the chain's raw records). */
export function checkChainAgainstLog(
  chainId: string,
  stored: readonly string[],
  seal: ChainSeal | undefined,
  logged: LoggedChain | undefined,
): ChainLogCheck {
  const problems: string[] = [];
  const bad: BadLeaf[] = [];
  const hashes = logged?.hashes ?? [];
  const common = Math.min(stored.length, hashes.length);
  for (let seq = 0; seq < common; seq++) {
    if (stored[seq] === hashes[seq]) continue;
    const leaf = logged!.leaves[seq]!;
    problems.push(
      `record #${seq} is not the record the log holds at leaf #${leaf} (rewritten or replaced, even if its chain links)`,
    );
    bad.push({ index: leaf, reason: `${chainId}#${seq} was rewritten or replaced in the chain` });
    break;
  }
  if (stored.length < hashes.length) {
    const leaf = logged!.leaves[stored.length]!;
    problems.push(
      `records #${stored.length}..#${hashes.length - 1} are missing: the log holds them (leaves #${leaf}..#${logged!.leaves.at(-1)})`,
    );
    bad.push({ index: leaf, reason: `${chainId}#${stored.length} was removed from the chain` });
  }
  if (stored.length > hashes.length)
    problems.push(
      `records #${hashes.length}..#${stored.length - 1} are not in the log (written behind the ledger's back, or by a writer that crashed before logging them)`,
    );

  const loggedSeal = logged?.seal;
  if (loggedSeal && !seal) {
    problems.push(
      `its seal over #${loggedSeal.seq} is missing: the log holds it at leaf #${loggedSeal.leaf}`,
    );
    bad.push({ index: loggedSeal.leaf, reason: `the seal of ${chainId} was removed` });
  } else if (loggedSeal && seal) {
    if (
      seal.seq !== loggedSeal.seq ||
      seal.headHash !== loggedSeal.headHash ||
      seal.signature !== loggedSeal.signature
    ) {
      problems.push(
        `its seal is not the one the log holds at leaf #${loggedSeal.leaf} (seal over #${loggedSeal.seq})`,
      );
      bad.push({ index: loggedSeal.leaf, reason: `the seal of ${chainId} was replaced` });
    }
  } else if (seal) {
    problems.push(`its seal over #${seal.seq} is not in the log`);
  }
  const badLeaf = bad.sort((a, b) => a.index - b.index)[0];
  return { problems, ...(badLeaf ? { badLeaf } : {}) };
}

/** Chains the log holds that the store no longer lists: deleted whole, with their seals. */
export function missingChains(
  logged: Map<string, LoggedChain>,
  listed: ReadonlySet<string>,
): Array<{ chainId: string; problem: string; badLeaf: BadLeaf }> {
  const missing = [];
  for (const [chainId, chain] of logged) {
    if (listed.has(chainId) || (chain.hashes.length === 0 && !chain.seal)) continue;
    const first = chain.leaves[0] ?? chain.seal!.leaf;
    missing.push({
      chainId,
      problem: `chain ${chainId} is missing: the log holds its ${chain.hashes.length} record(s)${chain.seal ? ' and its seal' : ''} (first at leaf #${first})`,
      badLeaf: { index: first, reason: `chain ${chainId} was deleted` },
    });
  }
  return missing;
}
