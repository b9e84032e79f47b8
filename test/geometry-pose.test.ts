import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FACE_MODEL_VERTEX_COUNT, HEAD_MODEL_MM, IBUG68_MESH_INDEX, POSE_LANDMARKS } from '../src/geometry/face-model';
import { defaultIntrinsics, type Intrinsics } from '../src/geometry/intrinsics';
import {
  mat3Determinant,
  matrixToQuaternion,
  matrixToRotationVector,
  quaternionToMatrix,
  rotationVectorToMatrix,
  symmetricEigen,
} from '../src/geometry/linalg';
import { PnPSolver, solvePnP } from '../src/geometry/pnp';
import { copyHeadPose, eulerToRotation, HeadPoseEstimator, rotationToEuler } from '../src/geometry/pose';
import { seededRandom, gaussian } from './helpers/random';

const DATA = path.resolve(__dirname, '..', '../shared/data');

const uniform = (r: () => number, lo: number, hi: number) => lo + (hi - lo) * r();

/** Independent projection: plain formula per point, written without the solver's code. */
function project(R: ArrayLike<number>, t: ArrayLike<number>, pts: ArrayLike<number>, K: Intrinsics): number[] {
  const out: number[] = [];
  for (let i = 0; i < pts.length / 3; i++) {
    const X = [pts[i * 3], pts[i * 3 + 1], pts[i * 3 + 2]];
    const c = [0, 1, 2].map((r) => R[r * 3] * X[0] + R[r * 3 + 1] * X[1] + R[r * 3 + 2] * X[2] + t[r]);
    out.push(K.fx * (c[0] / c[2]) + K.cx, K.fy * (c[1] / c[2]) + K.cy);
  }
  return out;
}

/** Angle in degrees of the rotation A^T B. */
function rotationDistanceDeg(A: ArrayLike<number>, B: ArrayLike<number>): number {
  let tr = 0;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) tr += A[r * 3 + c] * B[r * 3 + c];
  return (Math.acos(Math.max(-1, Math.min(1, (tr - 1) / 2))) * 180) / Math.PI;
}

function modelPoints(indices: readonly number[]): Float64Array {
  const p = new Float64Array(indices.length * 3);
  indices.forEach((m, k) => p.set(HEAD_MODEL_MM.subarray(m * 3, m * 3 + 3), k * 3));
  return p;
}

describe('face model', () => {
  it('holds 468 vertices, mirror-symmetric, in mm with the nose towards the camera', () => {
    expect(HEAD_MODEL_MM.length).toBe(FACE_MODEL_VERTEX_COUNT * 3);
    // every vertex has a mirror twin (x -> -x): a transcription error would break this
    const keys = new Set<string>();
    for (let i = 0; i < 468; i++) keys.add([0, 1, 2].map((k) => HEAD_MODEL_MM[i * 3 + k].toFixed(4)).join());
    for (let i = 0; i < 468; i++) {
      const mirror = [-HEAD_MODEL_MM[i * 3], HEAD_MODEL_MM[i * 3 + 1], HEAD_MODEL_MM[i * 3 + 2]].map((v) => (v === 0 ? 0 : v).toFixed(4)).join();
      expect(keys.has(mirror.replace(/-0\.0000/g, '0.0000'))).toBe(true);
    }
    // nose tip (4) nearest the camera (smallest z), forehead (10) above (smaller y) than chin (152)
    let minZ = Infinity, argMin = -1;
    for (let i = 0; i < 468; i++) if (HEAD_MODEL_MM[i * 3 + 2] < minZ) (minZ = HEAD_MODEL_MM[i * 3 + 2]), (argMin = i);
    expect(argMin).toBe(4);
    expect(HEAD_MODEL_MM[10 * 3 + 1]).toBeLessThan(HEAD_MODEL_MM[152 * 3 + 1]);
    // subject's right eye outer corner (33) on the image left (negative x); face ~150 mm wide
    expect(HEAD_MODEL_MM[33 * 3]).toBeLessThan(0);
    expect(HEAD_MODEL_MM[454 * 3] - HEAD_MODEL_MM[234 * 3]).toBeCloseTo(153.3, 0);
  });
});

describe('linalg', () => {
  it('rotation vector, matrix and quaternion agree', () => {
    const r = seededRandom(1);
    const R = new Float64Array(9), R2 = new Float64Array(9), q = new Float64Array(4), w = new Float64Array(3);
    for (let k = 0; k < 200; k++) {
      const axis = [gaussian(r), gaussian(r), gaussian(r)];
      const n = Math.hypot(...axis);
      const angle = k === 0 ? 1e-9 : k === 1 ? Math.PI - 1e-7 : uniform(r, 0, Math.PI);
      rotationVectorToMatrix((axis[0] / n) * angle, (axis[1] / n) * angle, (axis[2] / n) * angle, R);
      // orthonormal, det 1
      for (let a = 0; a < 3; a++)
        for (let b = 0; b < 3; b++) {
          const dot = R[a * 3] * R[b * 3] + R[a * 3 + 1] * R[b * 3 + 1] + R[a * 3 + 2] * R[b * 3 + 2];
          expect(dot).toBeCloseTo(a === b ? 1 : 0, 12);
        }
      expect(mat3Determinant(R)).toBeCloseTo(1, 12);
      // quaternion from the half-angle formula, independently of the matrix
      const s = Math.sin(angle / 2);
      const expected = [Math.cos(angle / 2), (axis[0] / n) * s, (axis[1] / n) * s, (axis[2] / n) * s];
      matrixToQuaternion(R, q);
      for (let i = 0; i < 4; i++) expect(q[i]).toBeCloseTo(expected[i], 6);
      quaternionToMatrix(q, R2);
      expect(rotationDistanceDeg(R, R2)).toBeLessThan(1e-5);
      matrixToRotationVector(R, w);
      expect(Math.hypot(w[0], w[1], w[2])).toBeCloseTo(angle, 6);
    }
  });

  it('symmetric eigen-decomposition satisfies A v = lambda v', () => {
    const r = seededRandom(2);
    for (const n of [3, 6, 9, 12]) {
      const A = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = i; j < n; j++) A[i * n + j] = A[j * n + i] = gaussian(r);
      const vals = new Float64Array(n), vecs = new Float64Array(n * n);
      symmetricEigen(Float64Array.from(A), n, vals, vecs);
      for (let k = 0; k < n; k++) {
        if (k > 0) expect(vals[k]).toBeGreaterThanOrEqual(vals[k - 1]);
        for (let i = 0; i < n; i++) {
          let av = 0;
          for (let j = 0; j < n; j++) av += A[i * n + j] * vecs[j * n + k];
          expect(av).toBeCloseTo(vals[k] * vecs[i * n + k], 9);
        }
      }
    }
  });

  it('Euler angles round-trip and match single-axis rotations', () => {
    const r = seededRandom(3);
    for (let k = 0; k < 100; k++) {
      const yaw = uniform(r, -85, 85), pitch = uniform(r, -89, 89), roll = uniform(r, -179, 179);
      const e = rotationToEuler(eulerToRotation(yaw, pitch, roll));
      expect(e.yaw).toBeCloseTo(yaw, 9);
      expect(e.pitch).toBeCloseTo(pitch, 9);
      expect(e.roll).toBeCloseTo(roll, 9);
    }
    // pure yaw +30: the face's forward direction (head -z) turns towards the image's left (camera -x)
    const Ry = eulerToRotation(30, 0, 0);
    expect(-Ry[2]).toBeCloseTo(-Math.sin(Math.PI / 6), 12);
    // pure pitch +30: the face looks up (camera -y)
    const Rp = eulerToRotation(0, 30, 0);
    expect(-Rp[5]).toBeLessThan(-0.49);
    // pure roll +30: the head's x axis (subject's left, image right) tips downwards (camera +y)
    const Rr = eulerToRotation(0, 0, 30);
    expect(Rr[3]).toBeCloseTo(0.5, 12);
  });
});

describe('PnP on synthetic scenes', () => {
  const width = 640, height = 480;
  const K = defaultIntrinsics(width, height);
  const pts3d = modelPoints(POSE_LANDMARKS);
  const n = POSE_LANDMARKS.length;

  function randomPose(r: () => number) {
    const yaw = uniform(r, -60, 60), pitch = uniform(r, -40, 40), roll = uniform(r, -30, 30);
    const z = uniform(r, 350, 1200);
    const t = [uniform(r, -0.2, 0.2) * z, uniform(r, -0.15, 0.15) * z, z];
    return { yaw, pitch, roll, R: eulerToRotation(yaw, pitch, roll), t };
  }

  it('recovers exact poses from noise-free points (cold start)', () => {
    const r = seededRandom(10);
    const solver = new PnPSolver();
    for (let k = 0; k < 100; k++) {
      const p = randomPose(r);
      const fit = solver.solve(project(p.R, p.t, pts3d, K), pts3d, n, K);
      expect(fit.ok).toBe(true);
      expect(rotationDistanceDeg(fit.rotation, p.R)).toBeLessThan(1e-5);
      for (let i = 0; i < 3; i++) expect(Math.abs(fit.translation[i] - p.t[i])).toBeLessThan(1e-4);
      expect(fit.rmsPx).toBeLessThan(1e-6);
    }
  });

  it('stays within tight tolerances with 0.5 px noise, and its RMS matches the noise', () => {
    const r = seededRandom(11);
    const solver = new PnPSolver();
    const sigma = 0.5;
    let worstDeg = 0, sumDeg = 0, worstDepthRel = 0, sumRms = 0;
    const trials = 200;
    for (let k = 0; k < trials; k++) {
      const p = randomPose(r);
      const obs = project(p.R, p.t, pts3d, K).map((v) => v + sigma * gaussian(r));
      const fit = solver.solve(obs, pts3d, n, K);
      expect(fit.ok).toBe(true);
      const e = rotationToEuler(fit.rotation);
      const deg = rotationDistanceDeg(fit.rotation, p.R);
      worstDeg = Math.max(worstDeg, deg);
      sumDeg += deg;
      worstDepthRel = Math.max(worstDepthRel, Math.abs(fit.translation[2] - p.t[2]) / p.t[2]);
      sumRms += fit.rmsPx;
      // the Euler decomposition agrees with the generating angles (independent of the quaternion path)
      expect(Math.abs(e.yaw - p.yaw)).toBeLessThan(3);
      expect(Math.abs(e.pitch - p.pitch)).toBeLessThan(3);
      expect(Math.abs(e.roll - p.roll)).toBeLessThan(3);
      // quaternion and matrix describe the same rotation
      expect(rotationDistanceDeg(quaternionToMatrix(fit.quaternion, new Float64Array(9)), fit.rotation)).toBeLessThan(1e-5);
      // the reported RMS is the RMS of the solver's own reprojection
      const re = project(fit.rotation, fit.translation, pts3d, K);
      let ss = 0;
      for (let i = 0; i < re.length; i++) ss += (re[i] - obs[i]) ** 2;
      expect(fit.rmsPx).toBeCloseTo(Math.sqrt(ss / n), 9);
    }
    expect(sumDeg / trials).toBeLessThan(0.6);
    expect(worstDeg).toBeLessThan(3);
    expect(worstDepthRel).toBeLessThan(0.03);
    // expected RMS of a 2D residual with per-axis sigma, 6 parameters fitted: sigma * sqrt(2 - 6/n)
    expect(sumRms / trials).toBeGreaterThan(0.85 * sigma * Math.sqrt(2 - 6 / n));
    expect(sumRms / trials).toBeLessThan(1.1 * sigma * Math.sqrt(2 - 6 / n));
  });

  it('converges from a warm start and agrees with the cold solution', () => {
    const r = seededRandom(12);
    const warm = new PnPSolver(), cold = new PnPSolver();
    for (let k = 0; k < 50; k++) {
      const p = randomPose(r);
      const obs = project(p.R, p.t, pts3d, K).map((v) => v + 0.3 * gaussian(r));
      const offset = new Float64Array(9);
      rotationVectorToMatrix(uniform(r, -0.1, 0.1), uniform(r, -0.1, 0.1), uniform(r, -0.1, 0.1), offset);
      const prevR = new Float64Array(9);
      for (let a = 0; a < 3; a++)
        for (let b = 0; b < 3; b++)
          prevR[a * 3 + b] = offset[a * 3] * p.R[b] + offset[a * 3 + 1] * p.R[3 + b] + offset[a * 3 + 2] * p.R[6 + b];
      const prevT = Float64Array.from(p.t.map((v) => v + uniform(r, -20, 20)));
      const w = warm.solve(obs, pts3d, n, K, { rotation: prevR, translation: prevT });
      const c = cold.solve(obs, pts3d, n, K);
      expect(rotationDistanceDeg(w.rotation, c.rotation)).toBeLessThan(1e-3);
      expect(Math.abs(w.rmsPx - c.rmsPx)).toBeLessThan(1e-6);
    }
  });

  it('handles planar and near-planar point sets (including the tilt ambiguity)', () => {
    const r = seededRandom(13);
    for (const depthSpread of [0, 0.5]) {
      // 30 points on a 150 x 120 mm card, optionally with +-0.5 mm of relief
      const pts = new Float64Array(90);
      for (let i = 0; i < 30; i++) {
        pts[i * 3] = uniform(r, -75, 75);
        pts[i * 3 + 1] = uniform(r, -60, 60);
        pts[i * 3 + 2] = uniform(r, -depthSpread, depthSpread);
      }
      for (let k = 0; k < 50; k++) {
        const p = randomPose(r);
        const obs = project(p.R, p.t, pts, K).map((v) => v + 0.2 * gaussian(r));
        const fit = solvePnP(obs, pts, K);
        expect(fit.ok).toBe(true);
        expect(rotationDistanceDeg(fit.rotation, p.R)).toBeLessThan(4);
        expect(Math.abs(fit.translation[2] - p.t[2]) / p.t[2]).toBeLessThan(0.03);
      }
    }
  });

  it('estimates the head pose from 468 landmarks (array of tuples or interleaved)', () => {
    const r = seededRandom(14);
    const estimator = new HeadPoseEstimator();
    for (let k = 0; k < 20; k++) {
      const p = randomPose(r);
      const flat = project(p.R, p.t, HEAD_MODEL_MM, K);
      const tuples = Array.from({ length: 468 }, (_, i) => [flat[i * 2], flat[i * 2 + 1], 0]);
      const interleaved = new Float32Array(468 * 3);
      tuples.forEach((v, i) => interleaved.set(v, i * 3));
      const a = estimator.estimate(tuples, K);
      expect(a).not.toBeNull();
      expect(Math.abs(a!.yaw - p.yaw)).toBeLessThan(1e-3);
      expect(Math.abs(a!.pitch - p.pitch)).toBeLessThan(1e-3);
      expect(Math.abs(a!.roll - p.roll)).toBeLessThan(1e-3);
      for (let i = 0; i < 3; i++) expect(a!.translationMm[i]).toBeCloseTo(p.t[i], 1);
      const yaw = a!.yaw;
      const b = estimator.estimate(interleaved, K, a);
      expect(b!.yaw).toBeCloseTo(yaw, 2); // float32 input rounds to ~1e-4 px
    }
  });
});

describe('PnP bad input', () => {
  it('returns null for non-finite landmarks and throws for too few points', () => {
    const K = defaultIntrinsics(640, 480);
    const bad = new Float32Array(468 * 3).fill(Number.NaN);
    expect(new HeadPoseEstimator().estimate(bad, K)).toBeNull();
    expect(() => new PnPSolver().solve([1, 2, 3, 4, 5, 6], [0, 0, 0, 1, 0, 0, 0, 1, 0], 3, K)).toThrow(/at least 4/);
    // all points on one pixel: no pose explains them, and nothing non-finite leaks out
    const pts3d = modelPoints(POSE_LANDMARKS);
    const same = new Array(POSE_LANDMARKS.length * 2).fill(100);
    const fit = new PnPSolver().solve(same, pts3d, POSE_LANDMARKS.length, K);
    if (fit.ok) expect(Number.isFinite(fit.rmsPx)).toBe(true);
  });
});

describe('AFLW2000-3D convention', () => {
  interface Label {
    image: string;
    pitch_deg: number;
    yaw_deg: number;
    roll_deg: number;
    pts68_3d: number[][];
  }
  const labels: Label[] = JSON.parse(readFileSync(path.join(DATA, 'aflw2000-3d', 'labels.json'), 'utf8'));

  it('PnP on the labels\' own 68 points reproduces the labelled yaw/pitch/roll', () => {
    expect(labels.length).toBe(16);
    const K = defaultIntrinsics(450, 450);
    const inner = Array.from({ length: 51 }, (_, i) => i + 17); // brows, nose, eyes, mouth
    const pts3d = modelPoints(inner.map((k) => IBUG68_MESH_INDEX[k]));
    const solver = new PnPSolver();
    const abs = { yaw: 0, pitch: 0, roll: 0 };
    let flippedYaw = 0;
    for (const l of labels) {
      const pts2d = inner.flatMap((k) => [l.pts68_3d[k][0], l.pts68_3d[k][1]]);
      const fit = solver.solve(pts2d, pts3d, inner.length, K);
      const e = rotationToEuler(fit.rotation);
      abs.yaw += Math.abs(e.yaw - l.yaw_deg) / labels.length;
      abs.pitch += Math.abs(e.pitch - l.pitch_deg) / labels.length;
      abs.roll += Math.abs(e.roll - l.roll_deg) / labels.length;
      flippedYaw += Math.abs(-e.yaw - l.yaw_deg) / labels.length;
    }
    console.log(`AFLW2000-3D (16 images, labels' 68 points, canonical model): MAE yaw ${abs.yaw.toFixed(2)} pitch ${abs.pitch.toFixed(2)} roll ${abs.roll.toFixed(2)} deg`);
    // measured 2.99 / 5.12 / 1.20 deg; the labels themselves come from a different 3D face model
    expect(abs.yaw).toBeLessThan(5);
    expect(abs.pitch).toBeLessThan(7);
    expect(abs.roll).toBeLessThan(3);
    expect((abs.yaw + abs.pitch + abs.roll) / 3).toBeLessThan(4.5);
    // the opposite yaw sign would be far off: the test can tell conventions apart
    expect(flippedYaw).toBeGreaterThan(20);
  });
});

describe('PnP weights', () => {
  it('a point with weight 0 is ignored, and weights 1 give the unweighted fit', () => {
    const K = defaultIntrinsics(640, 480);
    const pts3d = modelPoints(POSE_LANDMARKS);
    const n = POSE_LANDMARKS.length;
    const R = eulerToRotation(20, -10, 5);
    const t = [30, -20, 600];
    const clean = project(R, t, pts3d, K);
    const r = seededRandom(21);
    const noisy = clean.map((v) => v + 0.3 * gaussian(r));
    const bad = noisy.slice();
    bad[0] += 40; // one point 40 px off
    bad[1] -= 25;
    const ones = new Array(n).fill(1);
    const zeroFirst = ones.map((w, i) => (i === 0 ? 0 : w));
    const solver = new PnPSolver();
    const plain = Float64Array.from(solver.solve(noisy, pts3d, n, K).rotation);
    expect(rotationDistanceDeg(solver.solve(noisy, pts3d, n, K, null, ones).rotation, plain)).toBeLessThan(1e-4);
    const hit = rotationDistanceDeg(solver.solve(bad, pts3d, n, K).rotation, R);
    const ignored = solver.solve(bad, pts3d, n, K, null, zeroFirst);
    // without the bad point the fit is as good as the clean-noise one; with it, clearly worse
    expect(rotationDistanceDeg(ignored.rotation, R)).toBeLessThan(0.5);
    expect(hit).toBeGreaterThan(2 * rotationDistanceDeg(ignored.rotation, R));
    expect(ignored.rmsPx).toBeLessThan(0.6);
    expect(() => solver.solve(bad, pts3d, n, K, null, new Array(n).fill(0))).toThrow(/weights/);
  });
});

describe('pose during expressions', () => {
  // Synthetic expressions on the canonical model, seen by a 640 x 480 camera at 60 cm, head turned a little.
  const K = defaultIntrinsics(640, 480);
  const base = { yaw: 12, pitch: -6, roll: 4 };
  const R = eulerToRotation(base.yaw, base.pitch, base.roll);
  const t = [25, -15, 600];
  const upperToLowerLid = [
    [246, 7], [161, 163], [160, 144], [159, 145], [158, 153], [157, 154], [173, 155],
    [466, 249], [388, 390], [387, 373], [386, 374], [385, 380], [384, 381], [398, 382],
  ];
  const mm = (i: number, k: number) => HEAD_MODEL_MM[i * 3 + k];

  /** The 468 projected points (x y z interleaved, z unused) of a deformed model. */
  function view(deform: (model: Float64Array) => void, rotation: ArrayLike<number> = R): Float64Array {
    const model = Float64Array.from(HEAD_MODEL_MM);
    deform(model);
    const flat = project(rotation, t, model, K);
    const out = new Float64Array(468 * 3);
    for (let i = 0; i < 468; i++) out.set([flat[i * 2], flat[i * 2 + 1], 0], i * 3);
    return out;
  }
  /**
   * A full blink as the tracker's mesh shows one: the upper lids come down onto the lower lids, and
   * the eye corners are drawn in and down (median on the ZJU tuning half, bench/expression-pose-points.ts:
   * outer corners about 0.02 of the outer-eye-corner distance each way, inner ones about 0.005).
   */
  const eyeWidth = mm(263, 0) - mm(33, 0);
  const blink = (m: Float64Array) => {
    for (const [u, l] of upperToLowerLid) for (let k = 0; k < 3; k++) m[u * 3 + k] = mm(l, k);
    for (const [i, inward, down] of [[33, 0.018, 0.022], [130, 0.018, 0.017], [133, 0.006, 0.003], [263, 0.015, 0.014], [359, 0.015, 0.009], [362, 0.007, 0.003]]) {
      m[i * 3] -= Math.sign(mm(i, 0)) * inward * eyeWidth;
      m[i * 3 + 1] += down * eyeWidth;
    }
  };
  /** A wide opening: the mandible (every point below the mouth corners' level) turns 20 degrees about a hinge in front of the ears. */
  const mouthCornerY = (mm(61, 1) + mm(291, 1)) / 2;
  const hingeY = 5, hingeZ = 40, jaw = (20 * Math.PI) / 180;
  const openMouth = (m: Float64Array) => {
    for (let i = 0; i < 468; i++) {
      if (mm(i, 1) <= mouthCornerY + 0.5) continue;
      const y = mm(i, 1) - hingeY, z = mm(i, 2) - hingeZ;
      // the chin (in front of and below the hinge) goes down and back (y down, z into the head)
      m[i * 3 + 1] = hingeY + y * Math.cos(jaw) - z * Math.sin(jaw);
      m[i * 3 + 2] = hingeZ + y * Math.sin(jaw) + z * Math.cos(jaw);
    }
  };
  const lips = [13, 14, 17, 0, 37, 267, 84, 314, 61, 291, 78, 308, 82, 312, 87, 317];
  const lids = upperToLowerLid.flat();

  function poseChange(deform: (m: Float64Array) => void, indices?: readonly number[]): number {
    const estimator = new HeadPoseEstimator(indices ? { landmarkIndices: indices } : {});
    const neutral = Float64Array.from(estimator.estimate(view(() => {}), K)!.rotation);
    return rotationDistanceDeg(estimator.estimate(view(deform), K)!.rotation, neutral);
  }

  it('the deformations are real expressions: the lids close and the lower lip drops by about 3 cm', () => {
    const neutral = view(() => {});
    const closed = view(blink);
    const open = view(openMouth);
    const gap = (p: Float64Array, a: number, b: number) => Math.hypot(p[a * 3] - p[b * 3], p[a * 3 + 1] - p[b * 3 + 1]);
    expect(gap(neutral, 159, 145)).toBeGreaterThan(4);
    expect(gap(closed, 159, 145)).toBeLessThan(0.01);
    // lower lip 17 moves down in the model by about 3 cm
    const model = Float64Array.from(HEAD_MODEL_MM);
    openMouth(model);
    expect(model[17 * 3 + 1] - mm(17, 1)).toBeGreaterThan(25);
    expect(gap(open, 13, 14)).toBeGreaterThan(3 * gap(neutral, 13, 14));
  });

  it('a blink or a wide mouth opening barely moves the pose; the same with the lids and lips in the fit would', () => {
    const blinkDeg = poseChange(blink);
    const mouthDeg = poseChange(openMouth);
    console.log(`pose change: blink ${blinkDeg.toFixed(3)} deg, wide mouth opening ${mouthDeg.toFixed(3)} deg`);
    expect(blinkDeg).toBeLessThan(0.1);
    expect(mouthDeg).toBeLessThan(0.1);
    // controls: with the lids, or the lips and chin, or the lower jaw line (58, 288: in the set before
    // issue 12) in the fit, the same expressions tilt the head
    expect(poseChange(blink, [...POSE_LANDMARKS, ...lids])).toBeGreaterThan(0.3);
    expect(poseChange(openMouth, [...POSE_LANDMARKS, ...lips, 152, 148, 377])).toBeGreaterThan(0.5);
    expect(poseChange(openMouth, [...POSE_LANDMARKS, 58, 288])).toBeGreaterThan(0.2);
  });

  it('while turning the whole head moves the pose by the turn', () => {
    const estimator = new HeadPoseEstimator();
    const turned = eulerToRotation(base.yaw + 5, base.pitch - 3, base.roll);
    const a = copyHeadPose(estimator.estimate(view(() => {}), K)!);
    const before = a.rotation;
    const b = estimator.estimate(view(blink, turned), K)!;
    expect(rotationDistanceDeg(b.rotation, turned)).toBeLessThan(0.1);
    expect(rotationDistanceDeg(b.rotation, before)).toBeCloseTo(rotationDistanceDeg(turned, R), 1);
    expect(Math.abs(b.yaw - a.yaw - 5)).toBeLessThan(0.1);
    expect(Math.abs(b.pitch - a.pitch + 3)).toBeLessThan(0.1);
  });
});
