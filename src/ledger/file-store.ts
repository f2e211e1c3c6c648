/**
 * The embedded ledger (default, no server): one append-only JSON-lines file per chain, a seal
 * file per chain, the Merkle log over all of them (file-log.ts), archived artifacts in
 * per-promotion folders with an append-only index. Several worker processes may share the
 * directory; each chain has its own lock file, the log one more. Appends made while a batch is
 * written are written together as the next batch (group-commit.ts).
 */
import { readdir, readFile, rename, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { EvidenceInput, EvidenceRecord } from '../domain/evidence.js';
import type { LogLeaf } from '../domain/ledger-log.js';
import type { Logger } from '../logging/logger.js';
import { fileLayout } from './file-layout.js';
import { FileLog } from './file-log.js';
import { fsyncDirectory, JsonlFile } from './jsonl-file.js';
import {
  LedgerConflictError,
  LedgerIntegrityError,
  type ArtifactEntry,
  type ChainSeal,
  type ChainSummary,
  type Ledger,
  type LedgerOptions,
  type TornTail,
} from './ledger.js';
import { recordLeaf, recoveryLeaf, sealLeaf, type LogState, type StoredCheckpoint } from './log-state.js';
import { byChain, GroupCommit, planChain, type PendingAppend, type Settled } from './group-commit.js';
import { GENESIS_HASH, normalizeInput, sha256Hex } from './record.js';

function parseLine<T>(file: string, index: number, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new LedgerIntegrityError(
      `${file} line ${index + 1}: not valid JSON (the stored record is damaged or was edited)`,
    );
  }
}

/** Writes a small file so that readers see either the old or the new content, even after a crash. */
async function writeDurably(file: string, content: string | Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  await fsyncDirectory(path.dirname(file));
}

async function readOptional(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export class FileLedger implements Ledger {
  private readonly chains = new Map<string, JsonlFile>();
  private readonly index: JsonlFile;
  private parsedIndex: { version: number; entries: ArtifactEntry[] } = { version: 0, entries: [] };
  /** The parse of the archive index in progress, so calls parse its new lines one at a time. */
  private indexParsing: Promise<unknown> = Promise.resolve();
  private readonly log: FileLog;
  private readonly logger: Logger;
  private readonly readOnly: boolean;
  private readonly appends = new GroupCommit<PendingAppend, EvidenceRecord>((items) =>
    this.commitAppends(items),
  );

  constructor(
    readonly dir: string,
    opts: LedgerOptions,
  ) {
    this.logger = opts.logger;
    this.readOnly = opts.readOnly ?? false;
    this.index = new JsonlFile(fileLayout.artifactIndex(dir), this.logger, this.readOnly);
    this.log = new FileLog(dir, this.logger, opts.signer, this.readOnly);
  }

  private chain(chainId: string): JsonlFile {
    let file = this.chains.get(chainId);
    if (!file) {
      file = new JsonlFile(fileLayout.chainFile(this.dir, chainId), this.logger, this.readOnly);
      this.chains.set(chainId, file);
    }
    return file;
  }

  /**
   * The leaves that log what the chain holds beyond what the log has of it (call holding the
   * chain's lock and the log's): the `justWritten` records at its end, and first whatever a crash
   * left unlogged or cut, recorded as such.
   */
  private async chainLeaves(
    state: LogState,
    file: JsonlFile,
    chainId: string,
    justWritten: readonly EvidenceRecord[] = [],
  ): Promise<LogLeaf[]> {
    const leaves: LogLeaf[] = [];
    if (file.cutBytes > 0) {
      leaves.push(recoveryLeaf(chainId, 'torn-tail', `cut a partial last record of ${file.cutBytes} bytes`));
      file.cutBytes = 0;
    }
    const from = state.logged(chainId);
    const lateUpTo = file.length - justWritten.length;
    if (from < lateUpTo)
      leaves.push(
        recoveryLeaf(
          chainId,
          'late',
          `records #${from}..#${lateUpTo - 1} were written before a crash and logged late`,
        ),
      );
    // The records just written are logged as they are, not read back.
    for (let seq = from; seq < lateUpTo; seq++) leaves.push(recordLeaf(await this.recordAt(file, seq)));
    for (const record of justWritten) if (record.seq >= from) leaves.push(recordLeaf(record));
    return leaves;
  }

  /**
   * Commits a batch of appends (group-commit.ts): holding the lock of every chain in it (in
   * chain id order, as every process takes them), each chain's new records are written with one
   * write and one fsync, the chains side by side, then all their leaves with one more to the log.
   */
  private commitAppends(items: PendingAppend[]): Promise<Settled<EvidenceRecord>[]> {
    const chains = [...byChain(items)];
    const underLocks = async (i: number): Promise<Settled<EvidenceRecord>[]> => {
      if (i < chains.length) return this.chain(chains[i]![0]).locked(() => underLocks(i + 1));
      return this.writeBatch(items, chains);
    };
    return underLocks(0);
  }

  private async writeBatch(
    items: PendingAppend[],
    chains: [string, number[]][],
  ): Promise<Settled<EvidenceRecord>[]> {
    const results = new Array<Settled<EvidenceRecord>>(items.length);
    const written = new Map<string, EvidenceRecord[]>();
    await Promise.all(
      chains.map(async ([chainId, indexes]) => {
        const file = this.chain(chainId);
        const plan = await planChain(
          indexes.map((i) => items[i]!),
          file.length,
          await this.headHash(file),
          (seq) => this.recordAt(file, seq),
        );
        plan.outcomes.forEach((o, k) => (results[indexes[k]!] = o));
        await file.appendLines(plan.written.map((r) => JSON.stringify(r)));
        written.set(chainId, plan.written);
      }),
    );
    // A batch of records already stored logs only what a crash may have left unlogged.
    const wrote = chains.some(([chainId]) => written.get(chainId)!.length > 0);
    const behind =
      wrote || (await this.log.current().then((state) => chains.some(([id]) => this.isLogBehind(state, id))));
    if (behind)
      await this.log.write(async (latest) => {
        const leaves: LogLeaf[] = [];
        for (const [chainId] of chains)
          leaves.push(
            ...(await this.chainLeaves(latest, this.chain(chainId), chainId, written.get(chainId))),
          );
        return leaves;
      });
    return results;
  }

  private isLogBehind(state: LogState, chainId: string): boolean {
    const file = this.chain(chainId);
    return state.logged(chainId) < file.length || file.cutBytes > 0;
  }

  private async recordAt(file: JsonlFile, seq: number): Promise<EvidenceRecord> {
    return parseLine<EvidenceRecord>(file.file, seq, await file.line(seq));
  }

  /** The chain's last record, from the line this process last wrote when that is still the last. */
  private async lastRecord(file: JsonlFile): Promise<EvidenceRecord> {
    return parseLine<EvidenceRecord>(file.file, file.length - 1, await file.lastLine());
  }

  private async headHash(file: JsonlFile): Promise<string> {
    if (file.length === 0) return GENESIS_HASH;
    const head = await this.lastRecord(file);
    if (typeof head.hash !== 'string')
      throw new LedgerIntegrityError(`${file.file} line ${file.length}: record has no hash`);
    return head.hash;
  }

  async append(input: EvidenceInput): Promise<EvidenceRecord> {
    normalizeInput(input);
    return this.appends.submit({ kind: 'at', input });
  }

  async appendNext(input: Omit<EvidenceInput, 'seq'>): Promise<EvidenceRecord> {
    normalizeInput({ ...input, seq: 0 });
    return this.appends.submit({ kind: 'next', input });
  }

  readRaw(chainId: string): Promise<string[]> {
    return this.chain(chainId).freshLines();
  }

  async read(chainId: string): Promise<EvidenceRecord[]> {
    const file = this.chain(chainId);
    return (await this.readRaw(chainId)).map((line, i) => parseLine<EvidenceRecord>(file.file, i, line));
  }

  async head(chainId: string): Promise<{ record?: EvidenceRecord; length: number }> {
    const file = this.chain(chainId);
    await file.ensureFresh();
    const length = file.length;
    return length === 0 ? { length } : { record: await this.lastRecord(file), length };
  }

  async listChains(): Promise<ChainSummary[]> {
    let names: string[];
    try {
      names = (await readdir(fileLayout.chainsDir(this.dir))).filter((n) => n.endsWith('.jsonl'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const summaries: ChainSummary[] = [];
    for (const name of names.sort()) {
      const chainId = fileLayout.chainIdFromFile(name);
      const file = this.chain(chainId);
      await file.ensureFresh();
      if (file.length === 0) continue;
      const first = await this.recordAt(file, 0);
      const last = await this.recordAt(file, file.length - 1);
      summaries.push({
        chainId,
        promotionId: first.promotionId,
        length: file.length,
        headHash: last.hash,
        firstTime: first.time,
        lastTime: last.time,
        sealed: (await this.getSeal(chainId)) !== undefined,
      });
    }
    return summaries;
  }

  async seal(seal: ChainSeal): Promise<void> {
    const file = this.chain(seal.chainId);
    await file.locked(async () => {
      if (seal.seq >= file.length || (await this.recordAt(file, seal.seq)).hash !== seal.headHash) {
        throw new LedgerConflictError(
          `seal of ${seal.chainId}#${seal.seq} does not match the stored record at that sequence number`,
        );
      }
      const existing = await this.getSeal(seal.chainId);
      const same = existing && existing.seq === seal.seq && existing.headHash === seal.headHash;
      if (existing && !same && existing.seq > seal.seq) {
        throw new LedgerConflictError(
          `${seal.chainId} is already sealed at #${existing.seq}; a seal never moves backwards`,
        );
      }
      if (same && (await this.log.current()).sealLogged(seal.chainId) === existing.seq) return;
      if (!same) await writeDurably(fileLayout.sealFile(this.dir, seal.chainId), `${JSON.stringify(seal)}\n`);
      await this.log.write(
        async (state) => [
          ...(await this.chainLeaves(state, file, seal.chainId)),
          sealLeaf(same ? existing : seal),
        ],
        true,
      );
    });
  }

  async getSeal(chainId: string): Promise<ChainSeal | undefined> {
    const file = fileLayout.sealFile(this.dir, chainId);
    const content = await readOptional(file);
    if (!content) return undefined;
    return parseLine<ChainSeal>(file, 0, content.toString('utf8'));
  }

  async putArtifact(
    promotionId: string,
    name: string,
    content: Buffer,
    attestation?: { keyId: string; signature: string },
  ): Promise<string> {
    const sha256 = sha256Hex(content);
    const file = fileLayout.artifactFile(this.dir, promotionId, name);
    return this.index.locked(async () => {
      const existing = (await this.indexEntries()).find(
        (e) => e.promotionId === promotionId && e.name === name,
      );
      if (existing && existing.sha256 !== sha256) {
        throw new LedgerConflictError(
          `artifact ${promotionId}/${name} is already archived with sha256 ${existing.sha256}; archives are never replaced`,
        );
      }
      if (existing && (await readOptional(file))?.equals(content)) return sha256;
      await writeDurably(file, content);
      if (!existing) {
        const entry: ArtifactEntry = {
          promotionId,
          name,
          sha256,
          size: content.length,
          storedAt: new Date().toISOString(),
          ...attestation,
        };
        await this.index.append(JSON.stringify(entry));
      }
      return sha256;
    });
  }

  async getArtifact(promotionId: string, name: string): Promise<Buffer | undefined> {
    return readOptional(fileLayout.artifactFile(this.dir, promotionId, name));
  }

  /**
   * Every entry of the archive index, parsed once: the index only grows, so each call parses the
   * lines appended since the last (an audit of 1,000 promotions read and parsed the whole index
   * for each of them). Calls run one after another: two at once would both parse the same new
   * lines into the one cache. Call after the index was brought up to date.
   */
  private indexEntries(): Promise<readonly ArtifactEntry[]> {
    const next = this.indexParsing.then(() => this.parseNewIndexLines());
    this.indexParsing = next.catch(() => undefined);
    return next;
  }

  private async parseNewIndexLines(): Promise<readonly ArtifactEntry[]> {
    if (this.parsedIndex.version !== this.index.version)
      this.parsedIndex = { version: this.index.version, entries: [] };
    const { entries } = this.parsedIndex;
    const first = entries.length;
    (await this.index.lines(first)).forEach((line, i) =>
      // Frozen: callers get the cached entries themselves.
      entries.push(Object.freeze(parseLine<ArtifactEntry>(this.index.file, first + i, line))),
    );
    return entries;
  }

  async listArtifacts(promotionId?: string): Promise<ArtifactEntry[]> {
    await this.index.ensureFresh();
    const entries = await this.indexEntries();
    return entries.filter((e) => promotionId === undefined || e.promotionId === promotionId);
  }

  readLog(): Promise<string[]> {
    return this.log.readLeaves();
  }

  readCheckpoints(): Promise<string[]> {
    return this.log.readCheckpoints();
  }

  checkpoint(): Promise<StoredCheckpoint | undefined> {
    return this.log.write(() => Promise.resolve([]), true);
  }

  tornTails(): TornTail[] {
    return [...this.chains.values(), this.log.leaves, this.log.checkpoints, this.index]
      .filter((f) => f.tornBytes > 0)
      .map((f) => ({ where: path.relative(this.dir, f.file), bytes: f.tornBytes }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.chains.values(), this.index].map((f) => f.close()));
    await this.log.close();
  }
}

export async function openFileLedger(
  dir: string,
  logger: Logger,
  opts: Omit<LedgerOptions, 'logger'> = {},
): Promise<FileLedger> {
  if (!opts.readOnly) await mkdir(fileLayout.chainsDir(dir), { recursive: true });
  return new FileLedger(dir, { ...opts, logger });
}

export { writeDurably };
