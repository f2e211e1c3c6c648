/**
 * Where the file store keeps things under its directory. Evidence bundles use the same layout,
 * so a bundle's `ledger/` folder opens as a (read-only) file store for offline verification.
 */
import path from 'node:path';

const encode = (name: string) => encodeURIComponent(name).replace(/\./g, '%2E');

export const fileLayout = {
  chainsDir: (dir: string) => path.join(dir, 'chains'),
  chainFile: (dir: string, chainId: string) => path.join(dir, 'chains', `${encode(chainId)}.jsonl`),
  chainIdFromFile: (file: string) => decodeURIComponent(path.basename(file, '.jsonl')),
  sealFile: (dir: string, chainId: string) => path.join(dir, 'seals', `${encode(chainId)}.json`),
  artifactFile: (dir: string, promotionId: string, name: string) =>
    path.join(dir, 'artifacts', encode(promotionId), encode(name)),
  artifactIndex: (dir: string) => path.join(dir, 'artifacts', 'index.jsonl'),
  logFile: (dir: string) => path.join(dir, 'log', 'leaves.jsonl'),
  checkpointFile: (dir: string) => path.join(dir, 'log', 'checkpoints.jsonl'),
};
