/**
 * Runs a tracker over each ZJU clip and keeps, per frame, the tracker's eyeBlink outputs and what the
 * expression features are computed from: landmarks, irises, head rotation, gaze vectors and time.
 * bench/blink.ts runs the product's tracker (default settings) for its report; for tuning it caches
 * an UNSMOOTHED run in bench/out/blink/tracks-raw and replays the product's smoothing and features
 * over it offline, in seconds.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openVideoFile } from '../../src/capture/video-file';
import { defaultModelsDir } from '../../src/system/paths';
import { FaceTracker } from '../../src/tracking/tracker';
import { repoRoot } from '../lib/paths';
import type { ZjuClip } from '../lib/zju-blinks';

export interface TrackedClip {
  name: string;
  width: number;
  height: number;
  /** Per frame: null without a face. */
  frames: (TrackedClipFrame | null)[];
}

export interface TrackedClipFrame {
  landmarks: Float64Array; // 468 x 3
  iris: Float64Array; // 10 x 2
  quaternion: [number, number, number, number];
  gaze: { left: { vector: number[] }; right: { vector: number[] } };
  /** The tracker's own eyeBlinkLeft / eyeBlinkRight. */
  blink: [number, number];
  timeMs: number;
}

export const cacheDir = (): string => path.join(repoRoot(), 'bench', 'out', 'blink', 'tracks-raw');

export async function trackClip(tracker: FaceTracker, clip: ZjuClip): Promise<TrackedClip> {
  const source = await openVideoFile(clip.video);
  const out: TrackedClip = { name: clip.name, width: source.width, height: source.height, frames: [] };
  // Each clip is a new user: forget the face and what was learnt of the last one.
  tracker.reset();
  tracker.features.resetCalibration();
  try {
    for await (const result of source.frames()) {
      if (result.kind === 'skipped') throw result.error;
      const frame = await tracker.process(result);
      const face = frame.face;
      out.frames.push(
        face && {
          landmarks: Float64Array.from(face.landmarks.flat()),
          iris: Float64Array.from(face.iris.flat()),
          quaternion: face.pose.quaternion,
          gaze: { left: { vector: [...face.gaze.left.vector] }, right: { vector: [...face.gaze.right.vector] } },
          blink: [face.blendshapes.eyeBlinkLeft, face.blendshapes.eyeBlinkRight],
          timeMs: frame.timeMs,
        },
      );
    }
  } finally {
    await source.close();
  }
  return out;
}

/** The product's tracker (default settings) over every clip. */
export async function trackClips(clips: readonly ZjuClip[]): Promise<TrackedClip[]> {
  const tracker = await FaceTracker.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1 });
  try {
    const out: TrackedClip[] = [];
    for (const clip of clips) out.push(await trackClip(tracker, clip));
    return out;
  } finally {
    await tracker.release();
  }
}

/** Unsmoothed tracks of the clips from the cache, tracking (and caching) the ones missing or all with `retrack`. */
export async function rawTracks(clips: readonly ZjuClip[], retrack: boolean): Promise<TrackedClip[]> {
  mkdirSync(cacheDir(), { recursive: true });
  const out: TrackedClip[] = [];
  let tracker: FaceTracker | undefined;
  try {
    for (const clip of clips) {
      const file = path.join(cacheDir(), `${clip.name}.json`);
      if (!retrack && existsSync(file)) {
        out.push(revive(JSON.parse(readFileSync(file, 'utf8')) as TrackedClip));
        continue;
      }
      tracker ??= await FaceTracker.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1, smoothing: false });
      const tracked = await trackClip(tracker, clip);
      writeFileSync(file, JSON.stringify(tracked, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v)));
      out.push(tracked);
      process.stderr.write(`tracked ${clip.name}: ${tracked.frames.filter(Boolean).length}/${tracked.frames.length} frames with a face\n`);
    }
  } finally {
    await tracker?.release();
  }
  return out;
}

function revive(t: TrackedClip): TrackedClip {
  for (const f of t.frames) {
    if (!f) continue;
    f.landmarks = Float64Array.from(f.landmarks as unknown as number[]);
    f.iris = Float64Array.from(f.iris as unknown as number[]);
  }
  return t;
}
