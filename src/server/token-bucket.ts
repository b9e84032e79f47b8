/**
 * Token buckets keyed by client address: each key may spend `burst` tokens at once and regains
 * `ratePerS` a second. The map is bounded (oldest keys dropped first), so a flood of source
 * addresses cannot grow memory without limit; a dropped key simply starts again with a full bucket.
 */
export class KeyedTokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    private readonly maxKeys = 4096,
  ) {}

  /**
   * Spend one token for `key`. Returns 0 when allowed, otherwise the seconds until a token is back
   * (for Retry-After).
   */
  take(key: string, nowMs: number = performance.now()): number {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      b = { tokens: this.burst, atMs: nowMs };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.atMs) / 1000) * this.ratePerS);
      b.atMs = nowMs;
      // Keep recently used keys at the end, so eviction drops idle ones.
      this.buckets.delete(key);
      this.buckets.set(key, b);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / this.ratePerS;
  }
}
