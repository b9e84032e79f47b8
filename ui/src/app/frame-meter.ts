/**
 * Measures the page's frame rate from requestAnimationFrame intervals, for the tests and the bench
 * (the page's frame time at 800x480 and 1920x1080). Keeps a fixed ring of intervals: no allocation
 * per frame.
 */
export class FrameMeter {
  private readonly intervals: Float64Array;
  private count = 0;
  private last = -1;
  private running = false;

  constructor(capacity = 1024) {
    this.intervals = new Float64Array(capacity);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const tick = (t: number) => {
      if (!this.running) return;
      if (this.last >= 0) this.intervals[this.count++ % this.intervals.length] = t - this.last;
      this.last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  /** Forget what was measured (start a new window). */
  reset(): void {
    this.count = 0;
    this.last = -1;
  }

  stop(): void {
    this.running = false;
  }

  /** Median and 99th percentile of the frame intervals in the window, milliseconds. */
  summary(): { frames: number; medianMs: number; p99Ms: number } {
    const n = Math.min(this.count, this.intervals.length);
    const sorted = Array.from(this.intervals.subarray(0, n)).sort((a, b) => a - b);
    const at = (q: number) => (n ? sorted[Math.min(n - 1, Math.floor(q * n))] : NaN);
    return { frames: n, medianMs: at(0.5), p99Ms: at(0.99) };
  }
}
