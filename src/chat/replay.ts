/**
 * Remembers what was already delivered (a Slack signature, a webhook delivery id) for as long as
 * a request with it could still pass the timestamp check, so each delivery counts once.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  /** True the first time `key` is seen within the TTL, false for a replay. */
  firstSeen(key: string, nowMs: number): boolean {
    this.prune(nowMs);
    const expires = this.seen.get(key);
    if (expires !== undefined && expires > nowMs) return false;
    this.seen.set(key, nowMs + this.ttlMs);
    return true;
  }

  private prune(nowMs: number): void {
    // Entries are inserted in expiry order (constant TTL), so expired ones sit at the front.
    for (const [key, expires] of this.seen) {
      if (expires > nowMs && this.seen.size <= this.maxEntries) break;
      this.seen.delete(key);
    }
  }
}
