/**
 * Lets through at most `rateHz` events a second on the monotonic clock (0 or Infinity: all). The
 * schedule advances by whole periods, so a 60 Hz limit on a 60 Hz source does not drop every other
 * frame from jitter; after a pause it restarts from now instead of bursting to catch up.
 */
export class RateLimiter {
  private readonly periodMs: number;
  private nextDue = -Infinity;

  constructor(rateHz: number) {
    this.periodMs = rateHz > 0 && Number.isFinite(rateHz) ? 1000 / rateHz : 0;
  }

  /** True when an event may go now (and counts it). */
  take(nowMs: number = performance.now()): boolean {
    if (this.periodMs === 0) return true;
    // A quarter period of tolerance absorbs source jitter.
    if (nowMs < this.nextDue - this.periodMs / 4) return false;
    this.nextDue = nowMs - this.nextDue > this.periodMs ? nowMs + this.periodMs : this.nextDue + this.periodMs;
    return true;
  }
}
