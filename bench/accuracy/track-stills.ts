/** Runs the tracker on still images one by one, each from a fresh detection (stills are unrelated pictures). */
import { readImageFile } from '../../src/capture/image-decode';
import type { FaceTracker } from '../../src/tracking/tracker';
import type { TrackedFace } from '../../src/tracking/types';
import type { RgbImage } from '../../src/image/frame';

export async function trackStill(tracker: FaceTracker, file: string, image?: RgbImage): Promise<TrackedFace | null> {
  const pixels = image ?? (await readImageFile(file));
  tracker.reset();
  const frame = await tracker.process({ kind: 'frame', image: pixels, index: 0, timeMs: 0, source: file });
  return frame.face;
}

/** A face's 468 mesh points as a flat [x, y, z, ...] array (the layout the 68-point table reads). */
export function flattenMesh(points: readonly (readonly number[])[]): Float32Array {
  const out = new Float32Array(points.length * 3);
  points.forEach((p, i) => {
    out[i * 3] = p[0];
    out[i * 3 + 1] = p[1];
    out[i * 3 + 2] = p[2] ?? 0;
  });
  return out;
}
