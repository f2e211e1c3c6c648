/**
 * The file store's Merkle log: `log/leaves.jsonl` (one leaf per line, in log order) and
 * `log/checkpoints.jsonl` (the signed checkpoints, in the order issued). One lock file serializes
 * every writer of every chain; it is taken while holding the chain's lock (always in that order),
 * so a chain's leaves are in the log in sequence order.
 */
import type { LogLeaf } from '../domain/ledger-log.js';
import type { Logger } from '../logging/logger.js';
import { fileLayout } from './file-layout.js';
import { JsonlFile } from './jsonl-file.js';
import { leafText, LogState, recoveryLeaf, type StoredCheckpoint } from './log-state.js';
import type { LedgerSigner } from './seal.js';

export class FileLog {
  readonly leaves: JsonlFile;
  readonly checkpoints: JsonlFile;
  private state = new LogState();
  private stateVersion = 0;
  private checkpointsSeen = 0;

  constructor(
    dir: string,
    logger: Logger,
    private readonly signer: LedgerSigner | undefined,
    readOnly: boolean,
  ) {
    this.leaves = new JsonlFile(fileLayout.logFile(dir), logger, readOnly);
    this.checkpoints = new JsonlFile(fileLayout.checkpointFile(dir), logger, readOnly);
  }

  /** Feeds the leaves and checkpoints other processes wrote since the last look into the state. */
  private async catchUp(): Promise<LogState> {
    if (this.stateVersion !== this.leaves.version) {
      this.state = new LogState();
      this.stateVersion = this.leaves.version;
      this.checkpointsSeen = 0;
    }
    for (const line of await this.leaves.lines(this.state.size)) this.state.add(line);
    await this.checkpoints.ensureFresh();
    for (const line of await this.checkpoints.lines(this.checkpointsSeen)) {
      this.checkpointsSeen++;
      try {
        this.state.noteCheckpoint(JSON.parse(line) as StoredCheckpoint);
      } catch {
        // A damaged checkpoint line is verification's to report; the schedule just issues the next one.
      }
    }
    return this.state;
  }

  /** The log as this process last saw it, brought up to date without the lock. */
  async current(): Promise<LogState> {
    await this.leaves.ensureFresh();
    return this.catchUp();
  }

  /**
   * Holding the log lock: `build` sees the up-to-date state and returns the leaves to append,
   * which are written with one fsync; a checkpoint follows when one is due (always with `force`).
   */
  async write(
    build: (state: LogState) => Promise<LogLeaf[]>,
    force = false,
  ): Promise<StoredCheckpoint | undefined> {
    return this.leaves.locked(async () => {
      const state = await this.catchUp();
      const leaves = await build(state);
      if (this.leaves.cutBytes > 0) {
        leaves.unshift(
          recoveryLeaf('log', 'torn-tail', `cut a partial last leaf of ${this.leaves.cutBytes} bytes`),
        );
        this.leaves.cutBytes = 0;
      }
      const texts = leaves.map(leafText);
      await this.leaves.appendLines(texts);
      for (const text of texts) state.add(text);
      const checkpoint = state.checkpointIfDue(this.signer, force);
      if (checkpoint) {
        await this.checkpoints.locked(() => this.checkpoints.append(JSON.stringify(checkpoint)));
        this.checkpointsSeen++;
        state.noteCheckpoint(checkpoint);
      }
      return checkpoint;
    });
  }

  readLeaves(): Promise<string[]> {
    return this.leaves.freshLines();
  }

  /** The signed notes, oldest first; a damaged line is handed on as it is, for verification to name. */
  async readCheckpoints(): Promise<string[]> {
    await this.checkpoints.ensureFresh();
    return (await this.checkpoints.lines()).map((line) => {
      try {
        const note = (JSON.parse(line) as Partial<StoredCheckpoint>).note;
        return typeof note === 'string' ? note : line;
      } catch {
        return line;
      }
    });
  }

  close(): Promise<unknown> {
    return Promise.all([this.leaves.close(), this.checkpoints.close()]);
  }
}
