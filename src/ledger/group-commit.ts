/**
 * Group commit: appends that arrive while a batch is being made durable wait together and are
 * written as the next batch (one write and one fsync per file, or one transaction), each caller
 * answered when its own batch is durable. An append arriving while nothing is in flight starts
 * a batch of one at once, so a lone append waits for nobody.
 */
import type { EvidenceInput, EvidenceRecord } from '../domain/evidence.js';
import { buildRecord, resolveExisting } from './record.js';

/** One append of a batch: at an explicit sequence number, or at the chain's next one. */
export type PendingAppend =
  { kind: 'at'; input: EvidenceInput } | { kind: 'next'; input: Omit<EvidenceInput, 'seq'> };

/** One item's result in a committed batch. */
export type Settled<R> = { value: R } | { error: unknown };

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(err: unknown): void;
}

export class GroupCommit<T, R> {
  private pending: Waiting<T, R>[] = [];
  private flushing = false;

  /** `commit` makes one batch durable and returns each item's outcome, in the batch's order. */
  constructor(private readonly commit: (items: T[]) => Promise<Settled<R>[]>) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        const outcomes = await this.commit(batch.map((w) => w.item));
        batch.forEach((w, i) => {
          const outcome = outcomes[i]!;
          if ('value' in outcome) w.resolve(outcome.value);
          else w.reject(outcome.error);
        });
      } catch (err) {
        // Nothing of the batch is known to be durable: every caller in it gets the error.
        for (const w of batch) w.reject(err);
      }
    }
    this.flushing = false;
  }
}

/** A batch's appends grouped by chain, each chain's in arrival order; chains sorted (lock order). */
export function byChain(items: readonly PendingAppend[]): Map<string, number[]> {
  const chains = new Map<string, number[]>();
  items.forEach((item, i) => {
    const list = chains.get(item.input.chainId) ?? [];
    list.push(i);
    chains.set(item.input.chainId, list);
  });
  return new Map([...chains].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Decides one chain's appends of a batch, in order, against the chain as stored (`length`
 * records, the last with `headHash`): the idempotency rule of resolveExisting for explicit
 * sequence numbers (a conflicting append is refused alone, the others go on), the next number
 * for the rest. Returns each append's outcome and the new records to write, in sequence order.
 */
export async function planChain(
  items: readonly PendingAppend[],
  length: number,
  headHash: string,
  storedAt: (seq: number) => Promise<EvidenceRecord>,
): Promise<{ outcomes: Settled<EvidenceRecord>[]; written: EvidenceRecord[] }> {
  const written: EvidenceRecord[] = [];
  const outcomes: Settled<EvidenceRecord>[] = [];
  let head = headHash;
  for (const item of items) {
    const next = length + written.length;
    try {
      let record: EvidenceRecord;
      if (item.kind === 'next') {
        record = buildRecord({ ...item.input, seq: next }, head);
      } else {
        const seq = item.input.seq;
        const stored = seq < length ? await storedAt(seq) : seq < next ? written[seq - length] : undefined;
        const existing = resolveExisting(stored, item.input, next);
        if (existing) {
          outcomes.push({ value: existing });
          continue;
        }
        record = buildRecord(item.input, head);
      }
      written.push(record);
      head = record.hash;
      outcomes.push({ value: record });
    } catch (error) {
      outcomes.push({ error });
    }
  }
  return { outcomes, written };
}
