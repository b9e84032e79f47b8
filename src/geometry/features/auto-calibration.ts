/**
 * Automatic calibration: learns the user's resting face from the frames it sees, so nobody has to
 * press "calibrate" for an avatar that rests at rest (OpenSeeFace keeps a running median per feature
 * for the same reason).
 *
 * Per raw metric it keeps the last WINDOW_FRAMES values and, refreshed every few frames, a rest value
 * (a percentile of the window: the median for most metrics, a low one for the mouth, which is closed
 * only part of the time while someone talks), the low end of the range (LOW_PERCENTILE) and the
 * metric's wobble around its rest (`noise`: the median distance from rest, or for the mouth the
 * distance from its low end), which FaceFeatures takes as a dead zone so a face at rest reads 0. Early on it refreshes every frame so a new user is
 * learnt within a second; afterwards every REFRESH_FRAMES (a selection over the window per metric).
 */

import { RAW, RAW_METRIC_COUNT } from './raw-metrics';

/** 60 s at 30 fps. */
export const WINDOW_FRAMES = 1800;
/** Frames seen before the learnt values are used (about half a second). */
export const MIN_FRAMES = 1;
const REFRESH_FRAMES = 15;
/** Refresh every frame until this many have been seen. */
const EAGER_FRAMES = 90;
const LOW_PERCENTILE = 0.02;

/** Which percentile of the window is the resting value of each metric (default the median). */
const REST_PERCENTILE = new Float64Array(RAW_METRIC_COUNT).fill(0.5);
// Lips apart and jaw down while talking: the mouth rests at its smaller values (the chin, which
// swings back as the jaw opens, at its most forward).
REST_PERCENTILE[RAW.lipGap] = 0.2;
REST_PERCENTILE[RAW.jawDrop] = 0.2;
REST_PERCENTILE[RAW.chinDepth] = 0.2;

export class AutoCalibration {
  /** Learnt resting value per metric (valid once `ready`). */
  readonly rest = new Float64Array(RAW_METRIC_COUNT);
  /** Learnt low end per metric (LOW_PERCENTILE of the window). */
  readonly low = new Float64Array(RAW_METRIC_COUNT);
  /** Learnt wobble around the rest value per metric (see the module comment). */
  readonly noise = new Float64Array(RAW_METRIC_COUNT);
  private readonly window = new Float64Array(WINDOW_FRAMES * RAW_METRIC_COUNT);
  private readonly scratch = new Float64Array(WINDOW_FRAMES);
  private count = 0;
  private next = 0;
  private sinceRefresh = 0;

  /** Frames learnt from so far (at most WINDOW_FRAMES are remembered). */
  get frames(): number {
    return this.count;
  }

  get ready(): boolean {
    return this.count >= MIN_FRAMES;
  }

  /** Learns from one frame's raw metrics (RAW_METRIC_COUNT finite values; others are ignored). */
  observe(raw: ArrayLike<number>): void {
    for (let i = 0; i < RAW_METRIC_COUNT; i++) if (!Number.isFinite(raw[i])) return;
    const base = this.next * RAW_METRIC_COUNT;
    for (let i = 0; i < RAW_METRIC_COUNT; i++) this.window[base + i] = raw[i];
    this.next = (this.next + 1) % WINDOW_FRAMES;
    this.count++;
    this.sinceRefresh++;
    if (this.count >= MIN_FRAMES && (this.count <= EAGER_FRAMES || this.sinceRefresh >= REFRESH_FRAMES)) this.refresh();
  }

  reset(): void {
    this.count = 0;
    this.next = 0;
    this.sinceRefresh = 0;
  }

  private refresh(): void {
    this.sinceRefresh = 0;
    const n = Math.min(this.count, WINDOW_FRAMES);
    const s = this.scratch;
    for (let m = 0; m < RAW_METRIC_COUNT; m++) {
      for (let k = 0; k < n; k++) s[k] = this.window[k * RAW_METRIC_COUNT + m];
      const rest = select(s, n, Math.round(REST_PERCENTILE[m] * (n - 1)));
      this.rest[m] = rest;
      this.low[m] = select(s, n, Math.round(LOW_PERCENTILE * (n - 1)));
      if (REST_PERCENTILE[m] < 0.5) {
        this.noise[m] = rest - this.low[m];
      } else {
        for (let k = 0; k < n; k++) s[k] = Math.abs(this.window[k * RAW_METRIC_COUNT + m] - rest);
        this.noise[m] = select(s, n, n >> 1);
      }
    }
  }
}

/** The k-th smallest of a[0..n) (quickselect, reorders a). */
function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}
