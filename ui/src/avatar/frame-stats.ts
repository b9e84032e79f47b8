/** The last frames' timings, kept in fixed rings: rAF intervals (what the viewer sees) and our work per frame. */
const CAPACITY = 4096;

export interface FrameTimeSummary {
  frames: number;
  /** requestAnimationFrame timestamp deltas, ms. */
  intervalMedianMs: number;
  intervalP99Ms: number;
  /** Pose + render work inside the frame callback (performance.now around it), ms. */
  workMedianMs: number;
  workP99Ms: number;
}

function percentile(values: Float64Array, count: number, p: number): number {
  if (count === 0) return NaN;
  const sorted = values.slice(0, count).sort();
  return sorted[Math.min(count - 1, Math.floor(p * count))];
}

export class FrameStats {
  private readonly intervals = new Float64Array(CAPACITY);
  private readonly work = new Float64Array(CAPACITY);
  private intervalCount = 0;
  private workCount = 0;
  private lastStamp = NaN;

  record(rafStampMs: number, workMs: number): void {
    if (Number.isFinite(this.lastStamp)) {
      this.intervals[this.intervalCount % CAPACITY] = rafStampMs - this.lastStamp;
      this.intervalCount++;
    }
    this.lastStamp = rafStampMs;
    this.work[this.workCount % CAPACITY] = workMs;
    this.workCount++;
  }

  reset(): void {
    this.intervalCount = this.workCount = 0;
    this.lastStamp = NaN;
  }

  /** Summary of the last frames (allocates: call it now and then, not per frame). */
  summary(): FrameTimeSummary {
    const ni = Math.min(this.intervalCount, CAPACITY);
    const nw = Math.min(this.workCount, CAPACITY);
    return {
      frames: this.workCount,
      intervalMedianMs: percentile(this.intervals, ni, 0.5),
      intervalP99Ms: percentile(this.intervals, ni, 0.99),
      workMedianMs: percentile(this.work, nw, 0.5),
      workP99Ms: percentile(this.work, nw, 0.99),
    };
  }
}
