/**
 * The local target's `serving.json`: which version processes serve each app, the canary's
 * weight and the previous stable version, so a restarted worker adopts what still runs and a
 * rollback after the restart still knows what to restore.
 */
import { z } from 'zod';
import { readState, writeState } from '../state-file.js';

export const ProcessRecord = z.object({ version: z.string(), port: z.number().int(), pid: z.number().int() });
const PersistedApp = z.object({
  routerPort: z.number().int(),
  stable: ProcessRecord.optional(),
  canary: ProcessRecord.extend({ weight: z.number() }).optional(),
  previousStable: z.string().optional(),
});
export const PersistedState = z.object({
  metricsPort: z.number().int(),
  apps: z.record(z.string(), PersistedApp),
});
export type PersistedState = z.infer<typeof PersistedState>;

export class ServingFile {
  private persisting: Promise<void> = Promise.resolve();
  /** The queued write that has not begun yet, if any. */
  private nextWrite: Promise<void> | undefined;

  constructor(private readonly file: string) {}

  /** The saved state, or undefined for a fresh start; a damaged file is an error that says so. */
  read(): Promise<PersistedState | undefined> {
    return readState(this.file, PersistedState);
  }

  /**
   * Writes the state `snapshot` returns. Operations on different apps run concurrently, so
   * writes queue up; each one snapshots the state when its turn comes, which includes every
   * change made before it. So a write that has not begun serves every operation that asks
   * meanwhile, instead of rewriting the whole file once per operation.
   */
  write(snapshot: () => PersistedState): Promise<void> {
    this.nextWrite ??= this.persisting.then(() => {
      this.nextWrite = undefined;
      return writeState(this.file, snapshot());
    });
    const write = this.nextWrite;
    this.persisting = write.catch(() => undefined);
    return write;
  }
}
