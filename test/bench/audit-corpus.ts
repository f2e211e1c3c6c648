/**
 * The archive the audit benchmark replays, beside the throughput benchmark's 200 promotions of
 * the same run: real one-stage `promotion` runs, in the mix an archive holds — six in ten
 * through a dev stage (policy, deploy, promote), three through a prod stage with a 3-step canary
 * (10 ms bakes), one whose prod canary fails at step 2 and is rolled back — with their evidence
 * in the real file ledger and their histories archived by the real archive workflow (the stage
 * activities are the promotion world's recording ones).
 *
 * Making 800 of them (audit-corpus-make.ts) took 219 s of the benchmark's 10-minute budget on the 2-core CI
 * machine, so `npm run bench:record-corpus` records them once into a committed tarball
 * (fixtures/audit-corpus.tar.xz: the ledger directory plus a manifest), and the benchmark
 * replays that recorded archive against the current workflow code — the auditor's real case:
 * histories written by the code of past releases. A history the current code cannot replay
 * fails the benchmark, as it fails `tollgate audit replay`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';
import { createLedger } from '../../src/ledger/create.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createLogger } from '../../src/logging/logger.js';

export const RECORDED_CORPUS = fileURLToPath(new URL('./fixtures/audit-corpus.tar.xz', import.meta.url));
/** Inside the tarball, beside the ledger's own folders. */
export const MANIFEST_FILE = 'corpus-manifest.json';

/** The kinds of promotion in the archive, out of every ten (a dev-stage run is the commonest). */
const MIX = [
  { kind: 'dev', of10: 6, status: 'succeeded' },
  { kind: 'prod canary', of10: 3, status: 'succeeded' },
  { kind: 'prod canary rolled back', of10: 1, status: 'rolled-back' },
] as const;
type Kind = (typeof MIX)[number];
export const kindOf = (i: number): Kind => {
  let slot = i % 10;
  for (const kind of MIX) if ((slot -= kind.of10) < 0) return kind;
  return MIX[0];
};

export const CorpusManifest = z.object({
  recordedAt: z.string(),
  /** The commit whose workflow code made the histories. */
  commit: z.string(),
  temporalCli: z.string().optional(),
  mix: z.string(),
  promotionIds: z.array(z.string()).min(1),
});
export type CorpusManifest = z.infer<typeof CorpusManifest>;

export const MIX_NOTE = MIX.map((k) => `${k.of10}/10 ${k.kind} (${k.status})`).join(', ');

export interface RecordedCorpus {
  manifest: CorpusManifest;
  /** The unpacked file ledger, open: evidence chains, archived histories and their index. */
  ledger: Ledger;
  /** Closes the ledger and removes the unpacked copy. */
  dispose(): Promise<void>;
}

/** Unpacks the recorded archive into a temporary directory and opens its ledger. */
export async function openRecordedCorpus(tarball = RECORDED_CORPUS): Promise<RecordedCorpus> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-audit-corpus-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await promisify(execFile)('tar', ['-xJf', tarball, '-C', dir]);
    const text = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
    const manifest = CorpusManifest.parse(JSON.parse(text));
    const logger = createLogger({ level: 'error', pretty: false });
    const ledger = await createLedger({ type: 'file', path: dir }, { logger });
    const dispose = async () => {
      await ledger.close();
      await remove();
    };
    return { manifest, ledger, dispose };
  } catch (err) {
    await remove();
    throw new Error(
      `cannot open the recorded audit corpus ${tarball} (${(err as Error).message.split('\n')[0]}): re-record it with \`npm run bench:record-corpus\``,
    );
  }
}
