/** Synthetic TrackingFrames with seeded random values, for the output protocol tests. */

import type { TrackingFrame } from '../../src/tracking/types';

const TRACKER_BLENDSHAPES = ['eyeBlinkLeft', 'eyeBlinkRight', 'jawOpen', 'mouthSmileLeft', 'mouthSmileRight', 'browInnerUp', 'mouthPucker', 'cheekPuff'];

function gazeOf(yaw: number, pitch: number): { vector: [number, number, number]; yaw: number; pitch: number } {
  const y = (yaw * Math.PI) / 180;
  const p = (pitch * Math.PI) / 180;
  return { vector: [-Math.sin(y) * Math.cos(p), -Math.sin(p), -Math.cos(y) * Math.cos(p)], yaw, pitch };
}

/** A face frame whose numbers are drawn from `rand` within each field's realistic range. */
export function randomFaceFrame(rand: () => number, index: number): TrackingFrame {
  const u = (lo: number, hi: number): number => lo + (hi - lo) * rand();
  const blendshapes: Record<string, number> = {};
  for (const name of TRACKER_BLENDSHAPES) blendshapes[name] = rand();
  const lYaw = u(-40, 40);
  const lPitch = u(-30, 30);
  const rYaw = u(-40, 40);
  const rPitch = u(-30, 30);
  return {
    source: 'test',
    frame: index,
    timeMs: 1000 + index * 33.4 + rand(),
    width: 640,
    height: 480,
    face: {
      score: 0.99,
      box: [100, 100, 200, 200],
      landmarks: [],
      iris: [],
      landmarks68: [],
      pose: {
        yaw: u(-60, 60),
        pitch: u(-45, 45),
        roll: u(-45, 45),
        quaternion: [1, 0, 0, 0],
        translationMm: [u(-300, 300), u(-200, 200), u(300, 1500)],
        reprojectionPx: 1,
      },
      gaze: { left: gazeOf(lYaw, lPitch), right: gazeOf(rYaw, rPitch), combined: gazeOf((lYaw + rYaw) / 2, (lPitch + rPitch) / 2) },
      eyes: { left: rand(), right: rand() },
      mouth: { open: rand(), wide: rand(), vowels: { a: rand(), i: rand(), u: rand(), e: rand(), o: rand() } },
      brows: { left: rand(), right: rand() },
      blendshapes,
    },
  };
}

export function noFaceFrame(index: number): TrackingFrame {
  return { source: 'test', frame: index, timeMs: 1000 + index * 33.4, width: 640, height: 480, face: null };
}
