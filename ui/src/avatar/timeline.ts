/**
 * SampleTimeline: plays tracking samples back on the display's clock, a small fixed delay behind.
 *
 * Frames arrive at ~30 fps with network and scheduling jitter, while the display draws at its refresh
 * rate. Placing each sample by its capture time (not its arrival time) and drawing a little in the past
 * lets every drawn frame fall between two samples that have already arrived; a cubic Hermite through
 * the neighbours (Catmull-Rom tangents) keeps the velocity continuous, so irregular arrivals do not
 * show as stutter. Capture times map to the local clock by the smallest lateness seen (a jitter
 * buffer's usual estimate), which leaks upwards slowly to follow clock drift.
 */
import { AVATAR_CHANNELS, type AvatarSample } from './sample';

const CHANNELS = AVATAR_CHANNELS.length;
const CAPACITY = 8;
/** A gap or a backwards step in capture time this large restarts the timeline (a looping file, a new camera). */
const RESTART_GAP_MS = 1000;
/** How fast the clock offset may rise per millisecond of capture time (clock drift, a slower network path). */
const OFFSET_LEAK = 0.01;
/** Drawing delay in frame intervals, before the jitter allowance. */
const DELAY_INTERVALS = 1.5;
const MAX_DELAY_MS = 200;

export class SampleTimeline {
  private readonly times = new Float64Array(CAPACITY);
  private readonly values = new Float64Array(CAPACITY * CHANNELS);
  private readonly present = new Uint8Array(CAPACITY);
  /** Ring start (oldest) and fill. */
  private start = 0;
  private count = 0;
  /** local clock = capture time + offset, for the earliest-arriving samples. */
  private offsetMs = 0;
  private intervalMs = 33;
  private latenessMs = 0;

  get size(): number {
    return this.count;
  }

  /** The drawing delay now in use, milliseconds behind the earliest-possible arrival. */
  get delayMs(): number {
    return Math.min(MAX_DELAY_MS, DELAY_INTERVALS * this.intervalMs + 2 * this.latenessMs);
  }

  clear(): void {
    this.count = 0;
  }

  /** Adds a sample captured at `captureMs` (source clock) that arrived at `arrivalMs` (local clock). */
  push(sample: AvatarSample, captureMs: number, arrivalMs: number): void {
    const newest = this.count > 0 ? this.slot(this.count - 1) : -1;
    if (newest >= 0) {
      const dt = captureMs - this.times[newest];
      if (dt <= 0 || dt > RESTART_GAP_MS) {
        this.count = 0;
      } else {
        this.intervalMs += 0.1 * (dt - this.intervalMs);
        const offset = arrivalMs - captureMs;
        this.offsetMs = offset < this.offsetMs ? offset : this.offsetMs + Math.min(offset - this.offsetMs, OFFSET_LEAK * dt);
        this.latenessMs += 0.05 * (offset - this.offsetMs - this.latenessMs);
      }
    }
    if (this.count === 0) this.offsetMs = arrivalMs - captureMs;
    const previous = this.count > 0 ? this.slot(this.count - 1) : -1;
    if (this.count === CAPACITY) {
      this.start = (this.start + 1) % CAPACITY;
      this.count--;
    }
    const at = this.slot(this.count);
    this.count++;
    this.times[at] = captureMs;
    this.present[at] = sample.present ? 1 : 0;
    const base = at * CHANNELS;
    if (!sample.present && previous >= 0) {
      // No face: hold the last face's numbers so nothing glides towards meaningless values.
      this.values.copyWithin(base, previous * CHANNELS, previous * CHANNELS + CHANNELS);
    } else {
      for (let c = 0; c < CHANNELS; c++) this.values[base + c] = sample[AVATAR_CHANNELS[c]];
    }
  }

  /**
   * Writes the interpolated sample for local time `nowMs` into `out`; returns false (and writes
   * nothing) before the first sample. `out.present` is the presence of the sample being left.
   */
  evaluate(nowMs: number, out: AvatarSample): boolean {
    if (this.count === 0) return false;
    const t = nowMs - this.offsetMs - this.delayMs;
    const last = this.count - 1;
    if (t <= this.times[this.slot(0)] || last === 0) return this.hold(0, out);
    if (t >= this.times[this.slot(last)]) return this.hold(last, out);
    let i = 0;
    while (this.times[this.slot(i + 1)] <= t) i++;
    const s0 = this.slot(Math.max(0, i - 1));
    const s1 = this.slot(i);
    const s2 = this.slot(i + 1);
    const s3 = this.slot(Math.min(last, i + 2));
    const t0 = this.times[s0];
    const t1 = this.times[s1];
    const t2 = this.times[s2];
    const t3 = this.times[s3];
    const h = t2 - t1;
    const u = (t - t1) / h;
    const u2 = u * u;
    const u3 = u2 * u;
    // Cubic Hermite basis.
    const h00 = 2 * u3 - 3 * u2 + 1;
    const h10 = u3 - 2 * u2 + u;
    const h01 = -2 * u3 + 3 * u2;
    const h11 = u3 - u2;
    for (let c = 0; c < CHANNELS; c++) {
      const p0 = this.values[s0 * CHANNELS + c];
      const p1 = this.values[s1 * CHANNELS + c];
      const p2 = this.values[s2 * CHANNELS + c];
      const p3 = this.values[s3 * CHANNELS + c];
      // Slopes per millisecond; one-sided at the ends of what has arrived.
      const m1 = (p2 - p0) / (t2 - t0);
      const m2 = (p3 - p1) / (t3 - t1);
      out[AVATAR_CHANNELS[c]] = h00 * p1 + h10 * h * m1 + h01 * p2 + h11 * h * m2;
    }
    out.present = this.present[s1] === 1;
    return true;
  }

  private hold(index: number, out: AvatarSample): boolean {
    const s = this.slot(index);
    for (let c = 0; c < CHANNELS; c++) out[AVATAR_CHANNELS[c]] = this.values[s * CHANNELS + c];
    out.present = this.present[s] === 1;
    return true;
  }

  private slot(index: number): number {
    return (this.start + index) % CAPACITY;
  }
}
