/**
 * Runs the product's tracker (default settings) over in-memory frames from the clip's start, as a
 * new user (the learnt resting face is forgotten first), and keeps per frame what the wink and
 * look-down measures read, plus the points the diagnosis needs.
 */
import type { CapturedFrame } from '../../src/capture/source';
import { openVideoFile } from '../../src/capture/video-file';
import type { RgbImage } from '../../src/image/frame';
import { defaultModelsDir } from '../../src/system/paths';
import { FaceTracker } from '../../src/tracking/tracker';
import type { TrackedFace } from '../../src/tracking/types';

export interface EyeRead {
  /** face.eyes: 0 closed .. 1 open. */
  open: number;
  blink: number;
  lookDown: number;
  /** face.gaze per eye, degrees (camera frame). */
  yaw: number;
  pitch: number;
}

export interface FrameRead {
  left: EyeRead;
  right: EyeRead;
  head: { yaw: number; pitch: number; roll: number };
  combinedPitch: number;
  /** Smoothed mesh (468 x 3, lids refined by the iris model) and irises (10 x 2), image pixels. */
  landmarks: Float32Array;
  iris: Float32Array;
  quaternion: [number, number, number, number];
  gaze: { left: { vector: number[] }; right: { vector: number[] } };
  timeMs: number;
}

export const newTracker = (): Promise<FaceTracker> => FaceTracker.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1 });

function read(face: TrackedFace, timeMs: number): FrameRead {
  const eye = (side: 'left' | 'right'): EyeRead => ({
    open: face.eyes[side],
    blink: face.blendshapes[side === 'left' ? 'eyeBlinkLeft' : 'eyeBlinkRight'],
    lookDown: face.blendshapes[side === 'left' ? 'eyeLookDownLeft' : 'eyeLookDownRight'],
    yaw: face.gaze[side].yaw,
    pitch: face.gaze[side].pitch,
  });
  return {
    left: eye('left'),
    right: eye('right'),
    head: { yaw: face.pose.yaw, pitch: face.pose.pitch, roll: face.pose.roll },
    combinedPitch: face.gaze.combined.pitch,
    landmarks: Float32Array.from(face.landmarks.flat()),
    iris: Float32Array.from(face.iris.flat()),
    quaternion: face.pose.quaternion,
    gaze: { left: { vector: [...face.gaze.left.vector] }, right: { vector: [...face.gaze.right.vector] } },
    timeMs,
  };
}

function forget(tracker: FaceTracker): void {
  tracker.reset();
  tracker.features.resetCalibration();
}

/** Tracks decoded frames in order (time = index / fps); null where no face. */
export async function trackFrames(tracker: FaceTracker, frames: readonly RgbImage[], fps: number, name: string): Promise<(FrameRead | null)[]> {
  forget(tracker);
  const out: (FrameRead | null)[] = [];
  for (let i = 0; i < frames.length; i++) {
    const timeMs = (i * 1000) / fps;
    const frame: CapturedFrame = { kind: 'frame', image: frames[i], index: i, timeMs, source: name };
    const r = await tracker.process(frame);
    out.push(r.face && read(r.face, timeMs));
  }
  return out;
}

/** Tracks a video file from its start (decoding as it goes); null where no face. */
export async function trackVideo(tracker: FaceTracker, file: string, keep: (i: number) => boolean = () => true): Promise<(FrameRead | null)[]> {
  forget(tracker);
  const source = await openVideoFile(file);
  const out: (FrameRead | null)[] = [];
  try {
    for await (const result of source.frames()) {
      if (result.kind === 'skipped') throw result.error;
      const r = await tracker.process(result);
      // Full reads only where asked (a long video's meshes would fill memory); the eye values always.
      const f = r.face && read(r.face, r.timeMs);
      if (f && !keep(result.index)) {
        f.landmarks = new Float32Array(0);
        f.iris = new Float32Array(0);
      }
      out.push(f);
    }
  } finally {
    await source.close();
  }
  return out;
}
