import { describe, expect, it } from 'vitest';
import { HEAD_MODEL_MM } from '../src/geometry/face-model';
import {
  AVERAGE_EYE,
  directionToYawPitch,
  estimateGaze,
  GazeEstimator,
  gazeRelativeToHead,
  yawPitchToDirection,
} from '../src/geometry/gaze';
import { defaultIntrinsics, type Intrinsics } from '../src/geometry/intrinsics';
import { eulerToRotation, HeadPoseEstimator } from '../src/geometry/pose';
import type { Vec3 } from '../src/tracking/types';
import { seededRandom } from './helpers/random';

const uniform = (r: () => number, lo: number, hi: number) => lo + (hi - lo) * r();
const gaussian = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

const K: Intrinsics = defaultIntrinsics(640, 480);
const RAD = Math.PI / 180;

function transform(R: ArrayLike<number>, t: ArrayLike<number>, p: ArrayLike<number>): Vec3 {
  return [0, 1, 2].map((r) => R[r * 3] * p[0] + R[r * 3 + 1] * p[1] + R[r * 3 + 2] * p[2] + t[r]) as Vec3;
}
function rotate(R: ArrayLike<number>, p: ArrayLike<number>): Vec3 {
  return transform(R, [0, 0, 0], p);
}
function projectPoint(p: ArrayLike<number>): [number, number] {
  return [K.fx * (p[0] / p[2]) + K.cx, K.fy * (p[1] / p[2]) + K.cy];
}
function angleDeg(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const dot = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (Math.hypot(a[0], a[1], a[2]) * Math.hypot(b[0], b[1], b[2]));
  return Math.acos(Math.max(-1, Math.min(1, dot))) / RAD;
}
function normalize(v: number[]): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

/**
 * A synthetic face: the canonical mesh under (R, t), and irises placed by the stated eye model
 * (eyeball centre 8.5 mm behind the model's corner midpoint; iris centre 10.48 mm along the gaze).
 * `gaze(eyeCentre)` returns each eye's true unit gaze vector in the camera frame.
 */
function scene(R: Float64Array, t: number[], gaze: (eyeCentre: Vec3) => Vec3) {
  const landmarks: number[][] = [];
  for (let i = 0; i < 468; i++) landmarks.push([...projectPoint(transform(R, t, HEAD_MODEL_MM.subarray(i * 3, i * 3 + 3))), 0]);
  const iris: number[][] = [];
  const truth: Vec3[] = [];
  for (const [outer, inner] of [[33, 133], [263, 362]]) {
    const mid = [0, 1, 2].map((k) => (HEAD_MODEL_MM[outer * 3 + k] + HEAD_MODEL_MM[inner * 3 + k]) / 2);
    const centre = transform(R, t, [mid[0], mid[1], mid[2] + AVERAGE_EYE.centreBehindCornersMm]);
    const g = gaze(centre);
    truth.push(g);
    const irisCentre = centre.map((c, k) => c + AVERAGE_EYE.irisSphereRadiusMm * g[k]);
    const ic = projectPoint(irisCentre);
    iris.push(ic, [ic[0] + 5, ic[1]], [ic[0], ic[1] - 5], [ic[0] - 5, ic[1]], [ic[0], ic[1] + 5]);
  }
  return { landmarks, iris, truth, pose: { rotation: R, translation: Float64Array.from(t) } };
}

describe('gaze geometry', () => {
  it('yaw/pitch helpers: (0,0,-1) is straight at the camera, senses match the head angles', () => {
    const a = { yaw: 1, pitch: 1 };
    directionToYawPitch(0, 0, -1, a);
    expect(a.yaw).toBeCloseTo(0, 12);
    expect(a.pitch).toBeCloseTo(0, 12);
    // head yaw +30 turns the face's forward axis; the gaze helper gives the same yaw for it
    const R = eulerToRotation(30, 0, 0);
    directionToYawPitch(-R[2], -R[5], -R[8], a);
    expect(a.yaw).toBeCloseTo(30, 9);
    const Rp = eulerToRotation(0, 20, 0);
    directionToYawPitch(-Rp[2], -Rp[5], -Rp[8], a);
    expect(a.pitch).toBeCloseTo(20, 9);
    const d = yawPitchToDirection(-25, 12);
    directionToYawPitch(d[0], d[1], d[2], a);
    expect(a.yaw).toBeCloseTo(-25, 9);
    expect(a.pitch).toBeCloseTo(12, 9);
  });

  it('recovers known gaze directions under random head poses', () => {
    const r = seededRandom(21);
    const estimator = new GazeEstimator();
    let worst = 0;
    for (let k = 0; k < 200; k++) {
      const R = eulerToRotation(uniform(r, -40, 40), uniform(r, -25, 25), uniform(r, -20, 20));
      const z = uniform(r, 350, 900);
      const t = [uniform(r, -0.15, 0.15) * z, uniform(r, -0.1, 0.1) * z, z];
      // eyes turned within +-30 yaw, +-20 pitch relative to the head, both eyes parallel
      const inHead = yawPitchToDirection(uniform(r, -30, 30), uniform(r, -20, 20));
      const g = rotate(R, inHead);
      const s = scene(R, t, () => g);
      const out = estimator.estimate(s.landmarks, s.iris, s.pose, K);
      worst = Math.max(worst, angleDeg(out.right.vector, g), angleDeg(out.left.vector, g), angleDeg(out.combined.vector, g));
      // reported yaw/pitch describe the reported vector
      const check = { yaw: 0, pitch: 0 };
      directionToYawPitch(out.combined.vector[0], out.combined.vector[1], out.combined.vector[2], check);
      expect(out.combined.yaw).toBeCloseTo(check.yaw, 9);
      expect(Math.hypot(...out.left.vector)).toBeCloseTo(1, 12);
      // and the eye-in-head angles come back
      const rel = gazeRelativeToHead(out.combined.vector, R);
      const relTruth = { yaw: 0, pitch: 0 };
      directionToYawPitch(inHead[0], inHead[1], inHead[2], relTruth);
      expect(Math.abs(rel.yaw - relTruth.yaw)).toBeLessThan(1e-4);
      expect(Math.abs(rel.pitch - relTruth.pitch)).toBeLessThan(1e-4);
    }
    // noise-free and built with the same eye model: exact up to rounding
    expect(worst).toBeLessThan(1e-4);
  });

  it('eyes looking into the camera give ~0 combined yaw/pitch, whatever the head does', () => {
    for (const [yaw, pitch, roll] of [[0, 0, 0], [30, 0, 0], [-35, 15, 10], [0, -25, -15]]) {
      const R = eulerToRotation(yaw, pitch, roll);
      // put the point between the eyes on the optical axis, 600 mm away
      const eyes = rotate(R, [0, 1, 2].map((k) => (HEAD_MODEL_MM[33 * 3 + k] + HEAD_MODEL_MM[263 * 3 + k]) / 2));
      const s = scene(R, [-eyes[0], -eyes[1], 600 - eyes[2]], (c) => normalize([-c[0], -c[1], -c[2]]));
      const g = estimateGaze(s.landmarks, s.iris, s.pose, K);
      expect(Math.abs(g.combined.yaw)).toBeLessThan(0.5);
      expect(Math.abs(g.combined.pitch)).toBeLessThan(0.5);
      // each eye converges on the camera: ~31 mm off axis at 600 mm is ~3 degrees
      expect(Math.abs(g.right.yaw)).toBeLessThan(4);
      expect(Math.abs(g.left.yaw)).toBeLessThan(4);
      if (yaw === 0 && roll === 0) {
        expect(g.right.yaw).toBeLessThan(0); // the subject's right eye sits on the image's left, looks towards +x
        expect(g.left.yaw).toBeCloseTo(-g.right.yaw, 6);
      }
      for (let e = 0; e < 2; e++) expect(angleDeg(e === 0 ? g.right.vector : g.left.vector, s.truth[e])).toBeLessThan(0.3);
    }
  });

  it('irises displaced in the image give the expected signs', () => {
    const R = eulerToRotation(0, 0, 0);
    const s = scene(R, [0, 26, 600], () => [0, 0, -1]);
    const estimator = new GazeEstimator();
    const base = estimator.estimate(s.landmarks, s.iris, s.pose, K).combined.yaw;
    expect(Math.abs(base)).toBeLessThan(1e-4);
    const shifted = (dx: number, dy: number) => s.iris.map(([x, y]) => [x + dx, y + dy]);
    const toImageLeft = estimator.estimate(s.landmarks, shifted(-5, 0), s.pose, K).combined;
    expect(toImageLeft.yaw).toBeGreaterThan(10); // the subject looks to their right
    expect(Math.abs(toImageLeft.pitch)).toBeLessThan(0.5);
    const up = estimator.estimate(s.landmarks, shifted(0, -5), s.pose, K).combined;
    expect(up.pitch).toBeGreaterThan(10);
    // 5 px at f = 640 and 600 mm is 4.7 mm: asin(4.7 / 10.48) ~ 26.6 degrees
    const expected = Math.asin(((5 / 640) * (600 - 2)) / AVERAGE_EYE.irisSphereRadiusMm) / RAD;
    expect(up.pitch).toBeGreaterThan(expected - 2);
    expect(up.pitch).toBeLessThan(expected + 2);
  });

  it('works end to end with the head pose fitted from noisy landmarks', () => {
    const r = seededRandom(22);
    const poseEstimator = new HeadPoseEstimator();
    const gazeEstimator = new GazeEstimator();
    let sum = 0;
    const trials = 50;
    for (let k = 0; k < trials; k++) {
      const R = eulerToRotation(uniform(r, -30, 30), uniform(r, -20, 20), uniform(r, -15, 15));
      const t = [uniform(r, -60, 60), uniform(r, -40, 40), uniform(r, 400, 700)];
      const g = rotate(R, yawPitchToDirection(uniform(r, -25, 25), uniform(r, -15, 15)));
      const s = scene(R, t, () => g);
      const noisy = s.landmarks.map(([x, y, z]) => [x + 0.5 * gaussian(r), y + 0.5 * gaussian(r), z]);
      const pose = poseEstimator.estimate(noisy, K);
      expect(pose).not.toBeNull();
      const out = gazeEstimator.estimate(noisy, s.iris, pose!, K);
      sum += angleDeg(out.combined.vector, g);
    }
    console.log(`gaze with PnP pose from 0.5 px noisy landmarks: mean error ${(sum / trials).toFixed(2)} deg`);
    // 0.5 px landmark noise moves the eye corners, i.e. the eyeball centre, by ~0.5 mm
    expect(sum / trials).toBeLessThan(3);
  });

  it('weights the combined gaze by openness: a closed eye\'s wandering iris hardly moves it', () => {
    const R = eulerToRotation(0, 0, 0);
    const s = scene(R, [0, 26, 600], () => [0, 0, -1]);
    // The right eye's iris (the first five points) displaced as if under a closed lid.
    const iris = s.iris.map(([x, y], i) => (i < 5 ? [x, y - 6] : [x, y]));
    const estimator = new GazeEstimator();
    const g = estimator.estimate(s.landmarks, iris, s.pose, K);
    const left = [...g.left.vector];
    const right = [...g.right.vector];
    expect(angleDeg(right, left)).toBeGreaterThan(15);
    const mean = g.combined.pitch;
    const weighted = estimator.combine(1, 0).combined;
    // The weighted direction is the normalised weighted sum (weights clamped to 0.05..1).
    const sum = left.map((v, k) => v + 0.05 * right[k]);
    expect(angleDeg([...weighted.vector], sum)).toBeLessThan(1e-6);
    expect(Math.abs(weighted.pitch - g.left.pitch)).toBeLessThan(Math.abs(mean - g.left.pitch) / 5);
    expect(estimator.combine(1, 1).combined.pitch).toBeCloseTo(mean, 9);
  });
});
