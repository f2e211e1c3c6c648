/**
 * How fast the host is right now, measured before the benchmarks start: a fixed CPU job, a
 * fixed run of fsynced writes and a fixed run of sandbox-style vm calls. On a shared virtual
 * machine all three vary through the day (the same code's throughput run took 120 s in one run
 * and 209 s in another), and they say which kind of moment a run met.
 */
import { createHash } from 'node:crypto';
import vm from 'node:vm';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { round } from './stats.js';

export interface HostSpeed {
  /** Milliseconds to sha256 64 MiB in 1 MiB pieces, on one core. */
  sha256Of64MiBMs: number;
  /** Median milliseconds of a 4 KiB append + fdatasync in the temporary directory, of 100. */
  fdatasyncMs: number;
  /**
   * Microseconds per `vm` call with a timeout, of 2,000: Node starts a watchdog thread for each,
   * and the SDK makes such a call for every entry into the workflow sandbox, so this follows how
   * quickly the host starts threads (62 µs on a quiet spell of this machine, 85 µs on a slow one).
   */
  vmCallWithTimeoutUs?: number;
}

export async function hostSpeed(): Promise<HostSpeed> {
  const piece = Buffer.alloc(1 << 20, 7);
  const started = performance.now();
  const hash = createHash('sha256');
  for (let i = 0; i < 64; i++) hash.update(piece);
  hash.digest();
  const sha256Of64MiBMs = round(performance.now() - started, 1);

  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-bench-host-'));
  const file = await open(path.join(dir, 'probe'), 'a');
  const times: number[] = [];
  try {
    const block = Buffer.alloc(4096, 1);
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      await file.write(block);
      await file.datasync();
      times.push(performance.now() - t);
    }
  } finally {
    await file.close();
    await rm(dir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);

  const context = vm.createContext({});
  const script = new vm.Script('1 + 1');
  const calls = performance.now();
  for (let i = 0; i < 2000; i++) script.runInContext(context, { timeout: 5000 });
  const vmCallWithTimeoutUs = round(((performance.now() - calls) / 2000) * 1000, 1);
  return { sha256Of64MiBMs, fdatasyncMs: round(times[50]!, 2), vmCallWithTimeoutUs };
}
