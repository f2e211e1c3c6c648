/**
 * Token buckets keyed by source address or by identity. Each refusal reports how many refusals
 * for the same key went unrecorded since the last recorded one, so a flood leaves one security
 * record per key and minute instead of one per request.
 */
export interface BucketSettings {
  burst: number;
  perMinute: number;
}

export type RateDecision = { allowed: true } | { allowed: false; record: boolean; suppressed: number };

interface Bucket {
  tokens: number;
  updatedMs: number;
  lastRecordedMs: number;
  suppressed: number;
}

const RECORD_INTERVAL_MS = 60_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly settings: BucketSettings,
    private readonly maxKeys = 50_000,
  ) {}

  take(key: string, nowMs: number): RateDecision {
    const bucket = this.bucket(key, nowMs);
    const refill = ((nowMs - bucket.updatedMs) / 60_000) * this.settings.perMinute;
    bucket.tokens = Math.min(this.settings.burst, bucket.tokens + refill);
    bucket.updatedMs = nowMs;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    if (nowMs - bucket.lastRecordedMs >= RECORD_INTERVAL_MS) {
      const suppressed = bucket.suppressed;
      bucket.lastRecordedMs = nowMs;
      bucket.suppressed = 0;
      return { allowed: false, record: true, suppressed };
    }
    bucket.suppressed += 1;
    return { allowed: false, record: false, suppressed: bucket.suppressed };
  }

  private bucket(key: string, nowMs: number): Bucket {
    let bucket = this.buckets.get(key);
    if (bucket) {
      // Re-insert so the Map's order is least-recently-used first.
      this.buckets.delete(key);
    } else {
      bucket = { tokens: this.settings.burst, updatedMs: nowMs, lastRecordedMs: -Infinity, suppressed: 0 };
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    }
    this.buckets.set(key, bucket);
    return bucket;
  }
}
