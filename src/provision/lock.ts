import { mkdirSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A build lock older than this is left over from a killed process and is taken over. */
const STALE_AFTER_MS = 20 * 60 * 1000;

/**
 * Runs `fn` while holding a directory lock, so that parallel test processes never build the
 * same binary twice into the same cache.
 */
export async function withDirLock<T>(lockDir: string, onWait: () => void, fn: () => Promise<T>): Promise<T> {
  let warned = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const lock = statSync(lockDir, { throwIfNoEntry: false });
      if (!lock) continue;
      if (Date.now() - lock.mtimeMs > STALE_AFTER_MS) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!warned) onWait();
      warned = true;
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
