/**
 * Tracking on video: how often a face is found, how often the detector runs, and jitter on still
 * stretches.
 *
 * Jitter: for each frame whose previous frame also has a face, the mean displacement of the 68 points
 * since the previous frame, divided by that frame's outer-eye-corner distance (points 36, 45).
 * Still frames: frame t is still when, over the 10 frames t-9..t (all with a face), the centre of the
 * UNSMOOTHED 468-point mesh stays within a box whose sides are at most STILL_FRACTION of the
 * outer-eye distance. Stillness is always judged on the smoothing-off run, so the smoothed and raw
 * runs are compared on the same frames.
 */
import { openVideoFile } from '../../src/capture/video-file';
import type { FaceTracker } from '../../src/tracking/tracker';
import { median } from '../lib/stats';

export const STILL_WINDOW = 10;
export const STILL_FRACTION = 0.05;

export interface VideoTrack {
  frames: number;
  facesFound: number;
  detectorRuns: number;
  /** Per frame: the mesh centre (x, y), or null without a face. */
  centres: ([number, number] | null)[];
  /** Per frame: the 68 points flattened (x0, y0, x1, ...), or null. */
  points68: (Float32Array | null)[];
}

export async function trackVideo(tracker: FaceTracker, file: string, maxFrames?: number): Promise<VideoTrack> {
  const source = await openVideoFile(file, maxFrames === undefined ? {} : { maxFrames });
  const track: VideoTrack = { frames: 0, facesFound: 0, detectorRuns: 0, centres: [], points68: [] };
  tracker.reset();
  try {
    for await (const result of source.frames()) {
      if (result.kind === 'skipped') throw result.error;
      const frame = await tracker.process(result);
      track.frames++;
      if (tracker.timings.detected) track.detectorRuns++;
      const face = frame.face;
      if (!face) {
        track.centres.push(null);
        track.points68.push(null);
        continue;
      }
      track.facesFound++;
      let cx = 0;
      let cy = 0;
      for (const p of face.landmarks) {
        cx += p[0];
        cy += p[1];
      }
      track.centres.push([cx / face.landmarks.length, cy / face.landmarks.length]);
      track.points68.push(Float32Array.from(face.landmarks68.flat()));
    }
  } finally {
    await source.close();
  }
  return track;
}

function eyeDistance(p: Float32Array): number {
  return Math.hypot(p[36 * 2] - p[45 * 2], p[36 * 2 + 1] - p[45 * 2 + 1]);
}

/** Indices of still frames (see the module comment), judged on an unsmoothed track. */
export function stillFrames(raw: VideoTrack): number[] {
  const out: number[] = [];
  for (let t = STILL_WINDOW; t < raw.frames; t++) {
    let ok = true;
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (let i = t - STILL_WINDOW + 1; i <= t && ok; i++) {
      const c = raw.centres[i];
      if (!c) ok = false;
      else {
        x0 = Math.min(x0, c[0]);
        x1 = Math.max(x1, c[0]);
        y0 = Math.min(y0, c[1]);
        y1 = Math.max(y1, c[1]);
      }
    }
    const pts = raw.points68[t];
    if (!ok || !pts) continue;
    const limit = STILL_FRACTION * eyeDistance(pts);
    if (x1 - x0 <= limit && y1 - y0 <= limit) out.push(t);
  }
  return out;
}

/** Per-frame normalised 68-point motion on the given frames (frames without a face before them are skipped). */
export function motions(track: VideoTrack, frames: readonly number[]): number[] {
  const out: number[] = [];
  for (const t of frames) {
    const a = track.points68[t - 1];
    const b = track.points68[t];
    if (!a || !b) continue;
    let sum = 0;
    for (let k = 0; k < 68; k++) sum += Math.hypot(b[k * 2] - a[k * 2], b[k * 2 + 1] - a[k * 2 + 1]);
    out.push(sum / 68 / eyeDistance(b));
  }
  return out;
}

export function medianJitter(track: VideoTrack, frames: readonly number[]): number {
  return median(motions(track, frames));
}
