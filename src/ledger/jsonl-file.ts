/**
 * One append-only JSON-lines file shared by several processes: a lock file serializes writers,
 * every append is fsynced, and a partial last line (a crash in the middle of an append that was
 * never acknowledged) is cut off by the next writer, which reports the cut (`cutBytes`) so the
 * ledger can record it. Readers never change the file: they see complete lines only and report a
 * partial last line (`tornBytes`). A damaged line anywhere else is left in place: it is evidence
 * of tampering or corruption that verification must report.
 */
import { constants } from 'node:fs';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import type { Logger } from '../logging/logger.js';

const NEWLINE = 0x0a;
/** A lock not refreshed for this long belongs to a dead process and is taken over. */
const STALE_MS = 10_000;
/**
 * Waiting for the lock: quick retries first, then every 25 ms, for about 15 s in all — longer
 * than STALE_MS, so a dead holder's lock is taken over before a waiter gives up. The retry
 * library builds (and deep-copies) the whole schedule on every lock: 2,000 retries cost 0.4 ms
 * of CPU per ledger append.
 */
const LOCK_RETRIES = { retries: 600, factor: 1.3, minTimeout: 1, maxTimeout: 25, randomize: true };

export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class JsonlFile {
  /** Byte offset where each complete line starts; `size` is where the next line will start. */
  private starts: number[] = [];
  private size = 0;
  /** The last line's text while it is the one this process appended (its head, without a read). */
  private lastWritten: string | undefined;
  /** Counts the times the file was found shorter than read before (replaced or cut by hand). */
  private rewrites = 0;
  private dirReady = false;
  private handle: FileHandle | undefined;
  /** Serializes this process's writers before they compete for the cross-process lock. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Serializes updates of the line index: refreshes from the file and this process's appends. */
  private indexing: Promise<unknown> = Promise.resolve();
  /** Bytes after the last complete line when the file was last read (a torn or in-flight append). */
  tornBytes = 0;
  /** Bytes of torn last lines this writer cut off and nobody has recorded yet. */
  cutBytes = 0;

  constructor(
    readonly file: string,
    private readonly logger: Logger,
    /** Never lock, cut or write: what verification opens. */
    private readonly readOnly = false,
  ) {}

  get length(): number {
    return this.starts.length;
  }

  /**
   * Changes when the file is found shorter than what was read of it (replaced or cut by hand), so
   * a caller that keeps what it parsed of lines 0…n-1 (the index of archives) reads them again.
   * Like the rest of this class it takes the file to be append-only otherwise: verification, run
   * by a fresh process, is what finds any other edit.
   */
  get version(): number {
    return this.rewrites;
  }

  /**
   * Runs `fn` holding both the in-process queue and the lock file; the view of the file is
   * brought up to date (and a torn tail repaired) first.
   */
  async locked<T>(fn: () => Promise<T>): Promise<T> {
    if (this.readOnly) throw new Error(`${this.file}: the ledger was opened read-only`);
    const run = this.queue.then(async () => {
      if (!this.dirReady) {
        await mkdir(path.dirname(this.file), { recursive: true });
        this.dirReady = true;
      }
      const release = await lockfile.lock(this.file, {
        realpath: false,
        lockfilePath: `${this.file}.lock`,
        stale: STALE_MS,
        update: 2_000,
        retries: LOCK_RETRIES,
        onCompromised: (err) =>
          this.logger.error({ file: this.file, err }, 'ledger lock was taken over by another process'),
      });
      try {
        await this.refresh(true);
        return await fn();
      } finally {
        await release();
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Reads without the lock see complete lines only (a writer may be half-way through one). */
  async ensureFresh(): Promise<void> {
    await this.refresh(false);
  }

  /**
   * Brings the line index up to the file. Runs one at a time with other refreshes and with
   * appends: a read that indexed the bytes of an append still being recorded (or two reads at
   * once) would index the same line twice and cut the lines after it in the middle.
   */
  private async refresh(holdingLock: boolean): Promise<void> {
    await this.updateIndex(() => this.indexNewBytes(holdingLock));
  }

  private updateIndex<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.indexing.then(fn);
    this.indexing = next.catch(() => undefined);
    return next;
  }

  /**
   * Every complete line, brought up to date first. When nothing was indexed before (the log as
   * verification reads it), the bytes the refresh indexes are the ones decoded: the file is read
   * once, not once to index it and again for its text.
   */
  async freshLines(): Promise<string[]> {
    const read = await this.updateIndex(async () => {
      const fromScratch = this.size === 0;
      const bytes = await this.indexNewBytes(false);
      // The lines indexed now: an append recorded later adds lines these bytes do not hold.
      return fromScratch && bytes ? { bytes, lines: this.starts.length, size: this.size } : undefined;
    });
    if (!read) return this.lines();
    const { bytes, lines, size } = read;
    const starts = this.starts;
    return Array.from({ length: lines }, (_, i) =>
      bytes.toString('utf8', starts[i], (i + 1 < lines ? starts[i + 1]! : size) - 1),
    );
  }

  /** Returns the new bytes it read, if any. */
  private async indexNewBytes(holdingLock: boolean): Promise<Buffer | undefined> {
    let fileSize: number;
    try {
      fileSize = (await stat(this.file)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      fileSize = 0;
    }
    if (fileSize !== this.size) this.lastWritten = undefined;
    if (fileSize < this.size) {
      this.starts = [];
      this.size = 0;
      this.rewrites++;
    }
    let tail: Buffer | undefined;
    if (fileSize > this.size) {
      tail = await this.readBytes(this.size, fileSize - this.size);
      let lineStart = 0;
      // indexOf searches natively: a byte-by-byte loop here took seconds for a 1M-record chain.
      for (let end = tail.indexOf(NEWLINE); end !== -1; end = tail.indexOf(NEWLINE, lineStart)) {
        this.starts.push(this.size + lineStart);
        lineStart = end + 1;
      }
      this.size += lineStart;
    }
    this.tornBytes = fileSize - this.size;
    if (this.tornBytes > 0 && holdingLock) await this.cutTornTail(fileSize);
    return tail;
  }

  private async cutTornTail(fileSize: number): Promise<void> {
    this.logger.warn(
      { file: this.file, keptBytes: this.size, droppedBytes: fileSize - this.size },
      'ledger file ends with a partial line from an interrupted append; truncating it (the append was never acknowledged and will be retried)',
    );
    const handle = await open(this.file, 'r+');
    try {
      await handle.truncate(this.size);
      await handle.sync();
    } finally {
      await handle.close();
    }
    this.cutBytes += fileSize - this.size;
    this.tornBytes = 0;
  }

  private async readBytes(position: number, length: number): Promise<Buffer> {
    const handle = await open(this.file, 'r');
    try {
      const buffer = Buffer.alloc(length);
      let read = 0;
      while (read < length) {
        const { bytesRead } = await handle.read(buffer, read, length - read, position + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      return buffer.subarray(0, read);
    } finally {
      await handle.close();
    }
  }

  /** The text of line `index` (0-based), without its newline. */
  async line(index: number): Promise<string> {
    const start = this.starts[index];
    if (start === undefined) throw new RangeError(`${this.file}: no line ${index + 1}`);
    const end = this.starts[index + 1] ?? this.size;
    return (await this.readBytes(start, end - start - 1)).toString('utf8');
  }

  /** The text of the last line (see `line`). */
  lastLine(): Promise<string> {
    return this.lastWritten !== undefined ? Promise.resolve(this.lastWritten) : this.line(this.length - 1);
  }

  /** The text of every line from line `first` (0-based) on, without newlines. */
  async lines(first = 0): Promise<string[]> {
    // The lines indexed now: an append recorded while the bytes are read adds lines this read
    // did not fetch.
    const starts = this.starts.slice(first);
    const size = this.size;
    const from = starts[0];
    if (from === undefined) return [];
    // Decoded line by line: the whole file as one string fails beyond V8's string limit (512 MiB,
    // about 700,000 records), which a long-lived chain such as a security chain can reach.
    const bytes = await this.readBytes(from, size - from);
    return starts.map((start, i) => bytes.toString('utf8', start - from, (starts[i + 1] ?? size) - from - 1));
  }

  /** Appends one line and fsyncs it; call inside `locked`. */
  append(text: string): Promise<void> {
    return this.appendLines([text]);
  }

  /** Appends lines with one write and one fsync; call inside `locked`. */
  async appendLines(texts: readonly string[]): Promise<void> {
    if (texts.length === 0) return;
    if (texts.some((t) => t.includes('\n'))) throw new Error('a ledger line must not contain a newline');
    await this.updateIndex(() => this.writeLines(texts));
  }

  private async writeLines(texts: readonly string[]): Promise<void> {
    const created = this.size === 0 && !this.handle;
    this.handle ??= await open(this.file, 'a');
    const lines = texts.map((t) => Buffer.from(`${t}\n`, 'utf8'));
    await this.handle.write(Buffer.concat(lines));
    await this.handle.datasync();
    if (created) await fsyncDirectory(path.dirname(this.file));
    for (const line of lines) {
      this.starts.push(this.size);
      this.size += line.length;
    }
    this.lastWritten = texts.at(-1);
  }

  async close(): Promise<void> {
    await this.queue;
    await this.handle?.close();
    this.handle = undefined;
  }
}
