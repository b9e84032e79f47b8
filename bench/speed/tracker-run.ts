/**
 * Times the whole tracker frame by frame on decoded frames: whole-frame wall time, each stage's
 * exclusive share (tracker.timings), CPU time and memory. Runs in its own process (see configs.ts).
 */
import type { CapturedFrame } from '../../src/capture/source';
import { defaultModelsDir } from '../../src/system/paths';
import { FaceTracker, type TrackerTimings } from '../../src/tracking/tracker';
import type { TrackingFrame } from '../../src/tracking/types';
import type { RgbImage } from '../../src/image/frame';
import { median, percentile, summarizeTimings, type TimingSummary } from '../lib/stats';
import { nowMs, peakRssMb, processCpuMs } from '../lib/timing';
import type { TrackerConfig } from './configs';

export const STAGES = ['preprocessMs', 'detectMs', 'meshMs', 'irisMs', 'geometryMs', 'filtersMs'] as const;
export type StageName = (typeof STAGES)[number];

export interface StageSummary {
  /** Frames the figures are over (the detector: only frames where it ran). */
  frames: number;
  medianMs: number;
  p90Ms: number;
  meanMs: number;
}

export interface TrackerRunResult {
  kind: 'tracker';
  config: TrackerConfig;
  width: number;
  height: number;
  warmupFrames: number;
  timedFrames: number;
  /**
   * Per frame, wall time from handing the frame to the tracker to its TrackingFrame (`await
   * tracker.process(frame)`; with overlap, submit() to the result while the next frames go in).
   */
  frame: TimingSummary;
  /** Frames tracked per second of the whole timed run (with overlap: above 1000 / median). */
  throughputFps: number;
  stages: Record<StageName, StageSummary>;
  /** Median of the tracker's own totalMs (should match `frame` to within the call overhead). */
  totalMsMedian: number;
  /** Process CPU time (all threads, GC included) over the timed loop / frames. */
  cpuMsPerFrame: number;
  facesFound: number;
  /** Model loading and session creation, ms. */
  loadMs: number;
  /** Peak RSS of this process, MiB (the decoded frames included). */
  peakRssMb: number;
  /** RSS high-water mark after decoding, before the models were loaded: the frames' share of the peak. */
  rssBeforeModelsMb: number;
}

function summarizeStage(values: Float64Array, count: number): StageSummary {
  const xs = Array.from(values.subarray(0, count));
  let sum = 0;
  for (const x of xs) sum += x;
  return { frames: count, medianMs: median(xs), p90Ms: percentile(xs, 90), meanMs: count ? sum / count : Number.NaN };
}

export async function runTrackerConfig(config: TrackerConfig, images: readonly RgbImage[], fps: number, warmupFrames: number): Promise<TrackerRunResult> {
  if (images.length <= warmupFrames) throw new RangeError(`need more than ${warmupFrames} frames, got ${images.length}`);
  const rssBeforeModelsMb = peakRssMb();
  const t0 = nowMs();
  const tracker = await FaceTracker.create({ modelsDir: defaultModelsDir(), detector: config.detector, landmarks: config.landmarks, threads: config.threads, inferenceThreads: config.inferenceThreads });
  const loadMs = nowMs() - t0;

  // Every frame object and result buffer is made before timing starts.
  const frames: CapturedFrame[] = images.map((image, index) => ({ kind: 'frame', image, index, timeMs: (index * 1000) / fps, source: 'bench' }));
  const timed = frames.length - warmupFrames;
  const frameMs = new Float64Array(timed);
  const totalMs = new Float64Array(timed);
  const perStage = Object.fromEntries(STAGES.map((s) => [s, new Float64Array(timed)])) as Record<StageName, Float64Array>;
  const counts = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<StageName, number>;
  let facesFound = 0;

  try {
    for (let i = 0; i < warmupFrames; i++) {
      if (config.detectEveryFrame) tracker.reset();
      await tracker.process(frames[i]);
    }
    const t: TrackerTimings = tracker.timings;
    const record = (i: number, start: number, result: TrackingFrame): void => {
      frameMs[i] = nowMs() - start;
      totalMs[i] = t.totalMs;
      if (result.face) facesFound++;
      for (const stage of STAGES) {
        // The detector's figures are over the frames where it ran; every other stage over all frames.
        if (stage === 'detectMs' && !t.detected) continue;
        perStage[stage][counts[stage]++] = t[stage];
      }
    };
    const cpuBefore = processCpuMs();
    const runStart = nowMs();
    let last: Promise<void> = Promise.resolve();
    for (let i = 0; i < timed; i++) {
      if (config.detectEveryFrame) tracker.reset();
      if (config.paceFps) {
        const due = runStart + (i * 1000) / config.paceFps;
        while (nowMs() < due) await new Promise((r) => setTimeout(r, Math.max(0, due - nowMs() - 1)));
      }
      const start = nowMs();
      if (config.overlap) {
        // As the service's pipeline feeds it: the next frame goes in once this one is released.
        const job = tracker.submit(frames[warmupFrames + i]);
        last = job.result.then((result) => record(i, start, result));
        await job.released;
      } else {
        record(i, start, await tracker.process(frames[warmupFrames + i]));
      }
    }
    await last;
    const throughputFps = (timed * 1000) / (nowMs() - runStart);
    const cpuMsPerFrame = (processCpuMs() - cpuBefore) / timed;
    const stages = Object.fromEntries(STAGES.map((s) => [s, summarizeStage(perStage[s], counts[s])])) as Record<StageName, StageSummary>;
    return {
      kind: 'tracker',
      config,
      width: images[0].width,
      height: images[0].height,
      warmupFrames,
      timedFrames: timed,
      frame: summarizeTimings(Array.from(frameMs)),
      throughputFps,
      stages,
      totalMsMedian: median(Array.from(totalMs)),
      cpuMsPerFrame,
      facesFound,
      loadMs,
      peakRssMb: peakRssMb(),
      rssBeforeModelsMb,
    };
  } finally {
    await tracker.release();
  }
}
