/**
 * Retry delays for outputs whose target can vanish (a serial port unplugged, an app closed):
 * start short so a quick replug is picked up at once, double up to a ceiling so a target that
 * stays away costs almost nothing.
 */
export interface BackoffOptions {
  /** First delay, ms. */
  initialMs: number;
  /** Ceiling, ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 5000 };

export class Backoff {
  private nextMs: number;

  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF) {
    this.nextMs = options.initialMs;
  }

  /** The delay to wait now; the one after it is doubled (up to the ceiling). */
  next(): number {
    const delay = this.nextMs;
    this.nextMs = Math.min(this.options.maxMs, this.nextMs * 2);
    return delay;
  }

  /** After a success: the next failure starts from the short delay again. */
  reset(): void {
    this.nextMs = this.options.initialMs;
  }
}
