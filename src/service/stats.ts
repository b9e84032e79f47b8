/**
 * Frame rate and per-stage latency over a sliding window, kept in preallocated rings so recording a
 * frame allocates nothing; the medians are computed (with a small sort) only when status is asked.
 */
import type { TrackerTimings } from '../tracking/tracker';
import type { StageLatency } from './control';

const STAGES = ['preprocessMs', 'detectMs', 'meshMs', 'irisMs', 'geometryMs', 'filtersMs', 'totalMs'] as const;

export interface FrameStatsOptions {
  /** Frames kept for the medians. Default 150 (5 s at 30 fps). */
  capacity?: number;
  /** FPS is counted over this many ms. Default 5000. */
  windowMs?: number;
}

export class FrameStats {
  private readonly capacity: number;
  private readonly windowMs: number;
  private readonly ends: Float64Array;
  private readonly stages: Float64Array[];
  private count = 0;
  private next = 0;
  private readonly scratch: Float64Array;

  constructor(options: FrameStatsOptions = {}) {
    this.capacity = options.capacity ?? 150;
    this.windowMs = options.windowMs ?? 5000;
    this.ends = new Float64Array(this.capacity);
    this.stages = STAGES.map(() => new Float64Array(this.capacity));
    this.scratch = new Float64Array(this.capacity);
  }

  /** One processed frame, finished at `nowMs` (performance.now()). */
  record(nowMs: number, timings: TrackerTimings): void {
    const i = this.next;
    this.ends[i] = nowMs;
    for (let s = 0; s < STAGES.length; s++) this.stages[s][i] = timings[STAGES[s]];
    this.next = (i + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Frames a second over the window ending now; 0 once nothing arrived for the whole window. */
  fps(nowMs: number): number {
    let inWindow = 0;
    let oldest = Infinity;
    for (let k = 0; k < this.count; k++) {
      const t = this.ends[k];
      if (t > nowMs - this.windowMs) {
        inWindow++;
        if (t < oldest) oldest = t;
      }
    }
    if (inWindow < 2) return 0;
    // Frames over the time from the oldest one in the window to now: a stall pulls the figure down at once.
    return (inWindow - 1) / Math.max((nowMs - oldest) / 1000, 1e-3);
  }

  latency(): StageLatency {
    const out = { preprocessMs: 0, detectMs: 0, meshMs: 0, irisMs: 0, geometryMs: 0, filtersMs: 0, totalMs: 0 };
    for (let s = 0; s < STAGES.length; s++) out[STAGES[s]] = this.median(this.stages[s]);
    return out;
  }

  reset(): void {
    this.count = 0;
    this.next = 0;
  }

  private median(values: Float64Array): number {
    if (this.count === 0) return 0;
    const view = this.scratch.subarray(0, this.count);
    view.set(values.subarray(0, this.count));
    view.sort();
    const mid = this.count >> 1;
    return this.count % 2 ? view[mid] : (view[mid - 1] + view[mid]) / 2;
  }
}

export interface RunSummary {
  frames: number;
  /** Frames with a face, in percent of all frames. */
  faceFoundPct: number;
  /** Frames on which the detector ran (the face was lost or not yet found). */
  detectorRuns: number;
  /** Median tracking time a frame since start, ms (to 0.1 ms: a histogram, so recording allocates nothing). */
  medianMs: number;
}

const BIN_MS = 0.1;
const BINS = 10_000; // up to 1 s; slower frames land in the last bin

/** Totals since start, for `vtlink run --once`'s summary. */
export class RunTotals {
  private frames = 0;
  private withFace = 0;
  private detections = 0;
  private readonly histogram = new Uint32Array(BINS);

  record(faceFound: boolean, timings: TrackerTimings): void {
    this.frames++;
    if (faceFound) this.withFace++;
    if (timings.detected) this.detections++;
    this.histogram[Math.min(BINS - 1, Math.max(0, Math.floor(timings.totalMs / BIN_MS)))]++;
  }

  summary(): RunSummary {
    let medianMs = 0;
    if (this.frames > 0) {
      const half = this.frames / 2;
      let seen = 0;
      for (let b = 0; b < BINS; b++) {
        seen += this.histogram[b];
        if (seen >= half) {
          medianMs = (b + 0.5) * BIN_MS;
          break;
        }
      }
    }
    return {
      frames: this.frames,
      faceFoundPct: this.frames > 0 ? (100 * this.withFace) / this.frames : 0,
      detectorRuns: this.detections,
      medianMs,
    };
  }
}
