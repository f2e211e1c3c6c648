import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { TargetError, type OperationLogEntry, type ServingState } from './target.js';

export type OperationRequest = Pick<OperationLogEntry, 'key' | 'op' | 'app' | 'version' | 'weight'>;

/**
 * The target's operation log, one JSON line per completed operation, appended before the
 * operation's result is returned. It makes every mutating operation idempotent: a key seen before
 * returns the recorded result without touching anything, also after the worker restarted.
 * Failed attempts are not recorded, so a retry with the same key does the work.
 */
export class OperationJournal {
  private readonly entries: OperationLogEntry[] = [];
  /** The entries by key: a long-lived target's log grows with every operation it ever did. */
  private readonly byKey = new Map<string, OperationLogEntry>();
  /** The last queued operation per serialization scope (one app, or the whole target). */
  private readonly tails = new Map<string, Promise<unknown>>();

  private constructor(
    readonly file: string,
    private readonly perApp: boolean,
  ) {}

  /**
   * `perApp`: operations on different apps may run at the same time (a target whose apps share
   * nothing, like the local target); otherwise every operation of the target waits its turn.
   */
  static async open(file: string, opts: { perApp?: boolean } = {}): Promise<OperationJournal> {
    const journal = new OperationJournal(file, opts.perApp ?? false);
    await mkdir(path.dirname(file), { recursive: true });
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    lines.forEach((line, i) => {
      try {
        journal.add(JSON.parse(line) as OperationLogEntry);
      } catch {
        // A crash can cut off the last line mid-write; that operation never returned, so it is redone.
        if (i < lines.length - 1)
          throw new TargetError(`${file} line ${i + 1} is not JSON: the operation log is damaged`, false);
      }
    });
    return journal;
  }

  private add(entry: OperationLogEntry): void {
    this.entries.push(entry);
    if (!this.byKey.has(entry.key)) this.byKey.set(entry.key, entry);
  }

  list(): OperationLogEntry[] {
    return this.entries.map((e) => structuredClone(e));
  }

  /**
   * Runs `work` unless `req.key` was completed before. Operations of one app (of the whole
   * target unless `perApp`) run one at a time, so two retries of the same activity cannot both
   * do the work: a key belongs to one app.
   */
  run(
    req: OperationRequest,
    work: () => Promise<{ result: ServingState; detail?: Record<string, unknown> }>,
  ): Promise<ServingState> {
    const scope = this.perApp ? req.app : '';
    const next = (this.tails.get(scope) ?? Promise.resolve()).then(async () => {
      const done = this.byKey.get(req.key);
      if (done) return sameOperation(done, req);
      const { result, detail } = await work();
      const entry: OperationLogEntry = {
        ...definedOnly(req),
        at: new Date().toISOString(),
        ...(detail ? { detail } : {}),
        result,
      };
      await appendFile(this.file, `${JSON.stringify(entry)}\n`);
      this.add(entry);
      return result;
    });
    const tail = next.catch(() => undefined);
    this.tails.set(scope, tail);
    // Forget an idle app's tail, so a target serving many apps does not keep one per app forever.
    void tail.then(() => {
      if (this.tails.get(scope) === tail) this.tails.delete(scope);
    });
    return next;
  }
}

function sameOperation(done: OperationLogEntry, req: OperationRequest): ServingState {
  const differs = (['op', 'app', 'version', 'weight'] as const).filter(
    (k) => req[k] !== undefined && done[k] !== req[k],
  );
  if (differs.length) {
    throw new TargetError(
      `idempotency key ${req.key} was already used for ${describe(done)}; this call asks for ${describe(req)}: every operation needs its own key`,
      false,
    );
  }
  if (!done.result)
    throw new TargetError(
      `operation ${req.key} is in the log without its result: the operation log is damaged`,
      false,
    );
  return done.result;
}

function describe(op: OperationRequest): string {
  return [op.op, op.app, op.version, op.weight === undefined ? undefined : `${op.weight}%`]
    .filter(Boolean)
    .join(' ');
}

function definedOnly(req: OperationRequest): OperationRequest {
  return Object.fromEntries(Object.entries(req).filter(([, v]) => v !== undefined)) as OperationRequest;
}
