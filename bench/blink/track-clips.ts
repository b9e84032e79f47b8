/**
 * Runs the product's tracker (default settings, smoothing on) over each ZJU clip and keeps what the
 * expression features are computed from, per frame: the smoothed landmarks and irises, the head
 * rotation and the gaze vectors, plus the tracker's own eyeBlink outputs. Cached in bench/out/blink/
 * so the features can be recomputed offline in seconds (bench/blink.ts checks the recomputation
 * against the tracker's outputs before it trusts it).
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
}

export const cacheDir = (): string => path.join(repoRoot(), 'bench', 'out', 'blink', 'tracks');

export async function trackClip(tracker: FaceTracker, clip: ZjuClip): Promise<TrackedClip> {
  const source = await openVideoFile(clip.video);
  const out: TrackedClip = { name: clip.name, width: source.width, height: source.height, frames: [] };
  tracker.reset();
  try {
    for await (const result of source.frames()) {
      if (result.kind === 'skipped') throw result.error;
      const face = (await tracker.process(result)).face;
      out.frames.push(
        face && {
          landmarks: Float64Array.from(face.landmarks.flat()),
          iris: Float64Array.from(face.iris.flat()),
          quaternion: face.pose.quaternion,
          gaze: { left: { vector: [...face.gaze.left.vector] }, right: { vector: [...face.gaze.right.vector] } },
          blink: [face.blendshapes.eyeBlinkLeft, face.blendshapes.eyeBlinkRight],
        },
      );
    }
  } finally {
    await source.close();
  }
  return out;
}

/** Tracked clips from the cache, tracking (and caching) the ones missing or all with `retrack`. */
export async function trackedClips(clips: readonly ZjuClip[], retrack: boolean): Promise<TrackedClip[]> {
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
      tracker ??= await FaceTracker.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1 });
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
