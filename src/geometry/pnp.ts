/**
 * Perspective-n-Point: the rotation R and translation t that map model points X into the camera
 * (X_cam = R X + t) so that their pinhole projections match observed pixels.
 *
 * Method: a linear start (scaled-orthographic affine fit for 3D point sets; a plane homography, plus
 * its mirror-ambiguity twin, for (near-)planar ones), then Levenberg-Marquardt on the pixel
 * reprojection error over 6 parameters (a left-multiplied rotation increment and the translation).
 * With a warm start (last frame's pose) the linear step is skipped unless that refinement fails.
 *
 * All buffers live in the solver; `solve` returns the solver's own result object, overwritten by the
 * next call (copy what you keep).
 */

import type { Intrinsics } from './intrinsics';
import {
  choleskySolveInPlace,
  mat3Determinant,
  mat3Multiply,
  matrixToQuaternion,
  orthonormalize,
  rotationVectorToMatrix,
  symmetricEigen,
} from './linalg';

export interface RigidPose {
  /** 3x3 row-major rotation, model -> camera. */
  rotation: Float64Array;
  /** Camera-frame translation, in the unit of the model points. */
  translation: Float64Array;
}

export interface PnPResult extends RigidPose {
  /** [w, x, y, z] of `rotation`, w >= 0. */
  quaternion: Float64Array;
  /** RMS distance between observed and reprojected points, pixels. */
  rmsPx: number;
  iterations: number;
  /** False when no finite pose in front of the camera was found. */
  ok: boolean;
}

export interface PnPOptions {
  maxIterations?: number;
  /** A warm-started fit worse than this (px RMS) is retried from the linear start. */
  retryAbovePx?: number;
}

const PLANAR_VARIANCE_RATIO = 0.02;
const MIN_DEPTH = 1e-9;

export class PnPSolver {
  readonly result: PnPResult = {
    rotation: new Float64Array(9),
    translation: new Float64Array(3),
    quaternion: new Float64Array(4),
    rmsPx: Infinity,
    iterations: 0,
    ok: false,
  };

  private readonly maxIterations: number;
  private readonly retryAbovePx: number;

  // LM state and scratch, all preallocated
  private readonly R = new Float64Array(9);
  private readonly t = new Float64Array(3);
  private readonly Rtry = new Float64Array(9);
  private readonly ttry = new Float64Array(3);
  private readonly dR = new Float64Array(9);
  private readonly JtJ = new Float64Array(36);
  private readonly Jtr = new Float64Array(6);
  private readonly H = new Float64Array(36);
  private readonly step = new Float64Array(6);
  private readonly bestR = new Float64Array(9);
  private readonly bestT = new Float64Array(3);
  private readonly m3a = new Float64Array(9);
  private readonly m3b = new Float64Array(9);
  private readonly eigVals = new Float64Array(9);
  private readonly eigVecs = new Float64Array(81);
  private readonly ata = new Float64Array(81);
  private lastIterations = 0;
  private weights: ArrayLike<number> | null = null;

  constructor(options: PnPOptions = {}) {
    this.maxIterations = options.maxIterations ?? 30;
    this.retryAbovePx = options.retryAbovePx ?? 8;
  }

  /**
   * @param points2d pixels, x y interleaved (length 2n)
   * @param points3d model points, x y z interleaved (length 3n), n >= 4 (>= 6 for non-planar sets)
   * @param initial  a pose to refine from (e.g. last frame); null for a cold start
   * @param weights  per point (length n, >= 0): each point's squared residual counts this much in
   *                 the refinement (the linear starts ignore them); default 1 each. rmsPx is then the
   *                 weighted RMS.
   */
  solve(
    points2d: ArrayLike<number>,
    points3d: ArrayLike<number>,
    n: number,
    K: Intrinsics,
    initial?: RigidPose | null,
    weights?: ArrayLike<number> | null,
  ): PnPResult {
    if (n < 4) throw new Error(`solvePnP needs at least 4 points, got ${n}`);
    this.weights = weights ?? null;
    let weightSum = n;
    if (weights) {
      weightSum = 0;
      for (let i = 0; i < n; i++) weightSum += weights[i];
      if (!(weightSum > 0)) throw new Error('solvePnP: the weights must be >= 0 and not all 0');
    }
    let bestCost = Infinity;
    let iterations = 0;

    if (initial) {
      this.R.set(initial.rotation);
      this.t.set(initial.translation);
      const cost = this.refine(points2d, points3d, n, K);
      iterations += this.lastIterations;
      if (cost < bestCost) bestCost = this.keepBest(cost);
    }
    if (!(Math.sqrt(bestCost / weightSum) <= this.retryAbovePx)) {
      const planarity = this.planarity(points3d, n);
      if (planarity >= PLANAR_VARIANCE_RATIO * 0.1 && this.affineStart(points2d, points3d, n, K)) {
        const cost = this.refine(points2d, points3d, n, K);
        iterations += this.lastIterations;
        if (cost < bestCost) bestCost = this.keepBest(cost);
      }
      if (planarity < PLANAR_VARIANCE_RATIO) {
        for (let flip = 0; flip < 2; flip++) {
          if (!this.homographyStart(points2d, points3d, n, K, flip === 1)) continue;
          const cost = this.refine(points2d, points3d, n, K);
          iterations += this.lastIterations;
          if (cost < bestCost) bestCost = this.keepBest(cost);
        }
      }
    }

    const r = this.result;
    r.ok = Number.isFinite(bestCost);
    r.iterations = iterations;
    if (r.ok) {
      r.rotation.set(this.bestR);
      r.translation.set(this.bestT);
      r.rmsPx = Math.sqrt(bestCost / weightSum);
      matrixToQuaternion(r.rotation, r.quaternion);
    } else {
      r.rmsPx = Infinity;
    }
    return r;
  }

  /** Remembers the current (R, t) as the best candidate; returns its cost. */
  private keepBest(cost: number): number {
    this.bestR.set(this.R);
    this.bestT.set(this.t);
    return cost;
  }

  /** Sum of squared pixel residuals of pose (R, t); Infinity if a point is behind the camera. */
  private cost(p2: ArrayLike<number>, p3: ArrayLike<number>, n: number, K: Intrinsics, R: Float64Array, t: Float64Array): number {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const X = p3[i * 3], Y = p3[i * 3 + 1], Z = p3[i * 3 + 2];
      const zc = R[6] * X + R[7] * Y + R[8] * Z + t[2];
      if (!(zc > MIN_DEPTH)) return Infinity;
      const xc = R[0] * X + R[1] * Y + R[2] * Z + t[0];
      const yc = R[3] * X + R[4] * Y + R[5] * Z + t[1];
      const du = K.fx * (xc / zc) + K.cx - p2[i * 2];
      const dv = K.fy * (yc / zc) + K.cy - p2[i * 2 + 1];
      sum += (du * du + dv * dv) * (this.weights ? this.weights[i] : 1);
    }
    return sum;
  }

  /** Levenberg-Marquardt from (this.R, this.t); leaves the refined pose there and returns its cost. */
  private refine(p2: ArrayLike<number>, p3: ArrayLike<number>, n: number, K: Intrinsics): number {
    const { R, t, JtJ, Jtr, H, step, dR, Rtry, ttry } = this;
    let cost = this.cost(p2, p3, n, K, R, t);
    this.lastIterations = 0;
    if (!Number.isFinite(cost)) return Infinity;
    let lambda = 1e-3;
    for (let iter = 0; iter < this.maxIterations; iter++) {
      this.lastIterations = iter + 1;
      JtJ.fill(0);
      Jtr.fill(0);
      for (let i = 0; i < n; i++) {
        const X = p3[i * 3], Y = p3[i * 3 + 1], Z = p3[i * 3 + 2];
        // rotated (not yet translated) point: d(X_cam)/d(omega) = -[RX]x
        const rx = R[0] * X + R[1] * Y + R[2] * Z;
        const ry = R[3] * X + R[4] * Y + R[5] * Z;
        const rz = R[6] * X + R[7] * Y + R[8] * Z;
        const xc = rx + t[0], yc = ry + t[1], zc = rz + t[2];
        const iz = 1 / zc;
        const du = K.fx * xc * iz + K.cx - p2[i * 2];
        const dv = K.fy * yc * iz + K.cy - p2[i * 2 + 1];
        // d(u)/d(X_cam) = fx/z * [1, 0, -x/z]; d(v)/d(X_cam) = fy/z * [0, 1, -y/z]
        const ax = K.fx * iz, axz = -K.fx * xc * iz * iz;
        const by = K.fy * iz, byz = -K.fy * yc * iz * iz;
        // -[r]x = [[0, rz, -ry], [-rz, 0, rx], [ry, -rx, 0]]
        const ju0 = axz * ry, ju1 = ax * rz - axz * rx, ju2 = -ax * ry;
        const jv0 = -by * rz + byz * ry, jv1 = -byz * rx, jv2 = by * rx;
        // weighted least squares: scale each residual row by sqrt(w)
        const sw = this.weights ? Math.sqrt(this.weights[i]) : 1;
        accumulate(JtJ, Jtr, ju0 * sw, ju1 * sw, ju2 * sw, ax * sw, 0, axz * sw, du * sw);
        accumulate(JtJ, Jtr, jv0 * sw, jv1 * sw, jv2 * sw, 0, by * sw, byz * sw, dv * sw);
      }
      for (let r = 1; r < 6; r++) for (let c = 0; c < r; c++) JtJ[r * 6 + c] = JtJ[c * 6 + r];

      let improved = false;
      for (let attempt = 0; attempt < 10; attempt++) {
        H.set(JtJ);
        for (let d = 0; d < 6; d++) H[d * 7] += lambda * (JtJ[d * 7] + 1e-9);
        for (let d = 0; d < 6; d++) step[d] = -Jtr[d];
        if (!choleskySolveInPlace(H, step, 6)) {
          lambda *= 10;
          continue;
        }
        rotationVectorToMatrix(step[0], step[1], step[2], dR);
        mat3Multiply(dR, R, Rtry);
        ttry[0] = t[0] + step[3];
        ttry[1] = t[1] + step[4];
        ttry[2] = t[2] + step[5];
        const tryCost = this.cost(p2, p3, n, K, Rtry, ttry);
        if (tryCost < cost) {
          const relative = (cost - tryCost) / (cost + 1e-30);
          R.set(Rtry);
          t.set(ttry);
          cost = tryCost;
          lambda = Math.max(lambda * 0.2, 1e-9);
          improved = relative > 1e-10;
          break;
        }
        lambda *= 10;
      }
      if (!improved) break;
    }
    // keep R exactly orthonormal after many multiplicative updates
    orthonormalize(R, this.m3a);
    R.set(this.m3a);
    return this.cost(p2, p3, n, K, R, t);
  }

  /** Smallest / middle variance of the centred model points: ~0 for planar sets. */
  private planarity(p3: ArrayLike<number>, n: number): number {
    const S = this.covariance(p3, n);
    symmetricEigen(S, 3, this.eigVals, this.eigVecs);
    return this.eigVals[0] / Math.max(this.eigVals[1], 1e-300);
  }

  /** 3x3 covariance of the model points into m3b (returned); centroid into ttry. */
  private covariance(p3: ArrayLike<number>, n: number): Float64Array {
    const c = this.ttry;
    c.fill(0);
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) c[k] += p3[i * 3 + k] / n;
    const S = this.m3b;
    S.fill(0);
    for (let i = 0; i < n; i++) {
      const dx = p3[i * 3] - c[0], dy = p3[i * 3 + 1] - c[1], dz = p3[i * 3 + 2] - c[2];
      S[0] += dx * dx; S[1] += dx * dy; S[2] += dx * dz;
      S[4] += dy * dy; S[5] += dy * dz; S[8] += dz * dz;
    }
    S[3] = S[1]; S[6] = S[2]; S[7] = S[5];
    return S;
  }

  /**
   * Scaled-orthographic start: fit normalised image coords ~ M (X - Xc) + xc with a 2x3 M; its rows
   * are the first two rotation rows times 1/depth.
   */
  private affineStart(p2: ArrayLike<number>, p3: ArrayLike<number>, n: number, K: Intrinsics): boolean {
    const S = this.covariance(p3, n); // also leaves the 3D centroid in ttry
    const c0 = this.ttry[0], c1 = this.ttry[1], c2 = this.ttry[2];
    let mu = 0, mv = 0;
    for (let i = 0; i < n; i++) {
      mu += (p2[i * 2] - K.cx) / K.fx / n;
      mv += (p2[i * 2 + 1] - K.cy) / K.fy / n;
    }
    // B = sum (x - xc)(X - Xc)^T, rows 0 and 1 of m3a
    const B = this.m3a;
    B.fill(0);
    for (let i = 0; i < n; i++) {
      const dx = p3[i * 3] - c0, dy = p3[i * 3 + 1] - c1, dz = p3[i * 3 + 2] - c2;
      const u = (p2[i * 2] - K.cx) / K.fx - mu, v = (p2[i * 2 + 1] - K.cy) / K.fy - mv;
      B[0] += u * dx; B[1] += u * dy; B[2] += u * dz;
      B[3] += v * dx; B[4] += v * dy; B[5] += v * dz;
    }
    // M = B S^-1: solve S m = b for each row (S symmetric positive definite)
    const R = this.R;
    for (let row = 0; row < 2; row++) {
      this.H.set(S.subarray(0, 9));
      this.step[0] = B[row * 3]; this.step[1] = B[row * 3 + 1]; this.step[2] = B[row * 3 + 2];
      if (!choleskySolveInPlace(this.H, this.step, 3)) return false;
      R[row * 3] = this.step[0]; R[row * 3 + 1] = this.step[1]; R[row * 3 + 2] = this.step[2];
    }
    const n1 = Math.hypot(R[0], R[1], R[2]), n2 = Math.hypot(R[3], R[4], R[5]);
    if (!(n1 > 0 && n2 > 0)) return false;
    const scale = (n1 + n2) / 2;
    for (let k = 0; k < 3; k++) { R[k] /= n1; R[3 + k] /= n2; }
    R[6] = R[1] * R[5] - R[2] * R[4];
    R[7] = R[2] * R[3] - R[0] * R[5];
    R[8] = R[0] * R[4] - R[1] * R[3];
    orthonormalize(R, this.m3a);
    R.set(this.m3a);
    const depth = 1 / scale;
    const rcx = R[0] * c0 + R[1] * c1 + R[2] * c2;
    const rcy = R[3] * c0 + R[4] * c1 + R[5] * c2;
    const rcz = R[6] * c0 + R[7] * c1 + R[8] * c2;
    this.t[0] = mu * depth - rcx;
    this.t[1] = mv * depth - rcy;
    this.t[2] = depth - rcz;
    return Number.isFinite(this.t[2]);
  }

  /**
   * Planar start: homography from the model's best-fit plane to normalised image coords (DLT with
   * Hartley normalisation), split into [r1 r2 t]. `flip` returns the twin pose that mirrors the
   * plane's tilt about the line of sight, which weak perspective cannot tell apart.
   */
  private homographyStart(p2: ArrayLike<number>, p3: ArrayLike<number>, n: number, K: Intrinsics, flip: boolean): boolean {
    const S = this.covariance(p3, n);
    const c0 = this.ttry[0], c1 = this.ttry[1], c2 = this.ttry[2];
    symmetricEigen(S, 3, this.eigVals, this.eigVecs);
    // plane basis E = [e1 e2 e3] (columns: largest, middle, normal), right-handed
    const E = this.m3b;
    for (let r = 0; r < 3; r++) {
      E[r * 3] = this.eigVecs[r * 3 + 2];
      E[r * 3 + 1] = this.eigVecs[r * 3 + 1];
    }
    E[2] = E[3] * E[7] - E[6] * E[4];
    E[5] = E[6] * E[1] - E[0] * E[7];
    E[8] = E[0] * E[4] - E[3] * E[1];
    // normalisation of both point sets
    let mu = 0, mv = 0, ma = 0, mb = 0;
    for (let i = 0; i < n; i++) {
      const dx = p3[i * 3] - c0, dy = p3[i * 3 + 1] - c1, dz = p3[i * 3 + 2] - c2;
      ma += (E[0] * dx + E[3] * dy + E[6] * dz) / n;
      mb += (E[1] * dx + E[4] * dy + E[7] * dz) / n;
      mu += (p2[i * 2] - K.cx) / K.fx / n;
      mv += (p2[i * 2 + 1] - K.cy) / K.fy / n;
    }
    let su = 0, sa = 0;
    for (let i = 0; i < n; i++) {
      const dx = p3[i * 3] - c0, dy = p3[i * 3 + 1] - c1, dz = p3[i * 3 + 2] - c2;
      const a = E[0] * dx + E[3] * dy + E[6] * dz - ma, b = E[1] * dx + E[4] * dy + E[7] * dz - mb;
      const u = (p2[i * 2] - K.cx) / K.fx - mu, v = (p2[i * 2 + 1] - K.cy) / K.fy - mv;
      sa += Math.hypot(a, b) / n;
      su += Math.hypot(u, v) / n;
    }
    if (!(sa > 0 && su > 0)) return false;
    const ka = Math.SQRT2 / sa, ku = Math.SQRT2 / su;
    const A = this.ata;
    A.fill(0);
    const row = this.eigVals; // 9 scratch entries reused as one DLT row
    for (let i = 0; i < n; i++) {
      const dx = p3[i * 3] - c0, dy = p3[i * 3 + 1] - c1, dz = p3[i * 3 + 2] - c2;
      const a = (E[0] * dx + E[3] * dy + E[6] * dz - ma) * ka;
      const b = (E[1] * dx + E[4] * dy + E[7] * dz - mb) * ka;
      const u = ((p2[i * 2] - K.cx) / K.fx - mu) * ku;
      const v = ((p2[i * 2 + 1] - K.cy) / K.fy - mv) * ku;
      // u * (h3 . p) - (h1 . p) = 0 ;  v * (h3 . p) - (h2 . p) = 0, p = [a, b, 1]
      row[0] = -a; row[1] = -b; row[2] = -1; row[3] = 0; row[4] = 0; row[5] = 0; row[6] = u * a; row[7] = u * b; row[8] = u;
      addOuter(A, row, 9);
      row[0] = 0; row[1] = 0; row[2] = 0; row[3] = -a; row[4] = -b; row[5] = -1; row[6] = v * a; row[7] = v * b; row[8] = v;
      addOuter(A, row, 9);
    }
    const vals = new Float64Array(9); // cold path
    symmetricEigen(A, 9, vals, this.eigVecs);
    // Hn (normalised) = smallest eigenvector; H = Tu^-1 Hn Ta
    const Hn = this.m3a;
    for (let k = 0; k < 9; k++) Hn[k] = this.eigVecs[k * 9];
    const Ta = new Float64Array([ka, 0, -ka * ma, 0, ka, -ka * mb, 0, 0, 1]);
    const TuInv = new Float64Array([1 / ku, 0, mu, 0, 1 / ku, mv, 0, 0, 1]);
    const tmp = new Float64Array(9);
    const Hm = new Float64Array(9);
    mat3Multiply(Hn, Ta, tmp);
    mat3Multiply(TuInv, tmp, Hm);
    // columns h1, h2, h3 = lambda [r1 r2 t]
    const l1 = Math.hypot(Hm[0], Hm[3], Hm[6]), l2 = Math.hypot(Hm[1], Hm[4], Hm[7]);
    let lam = 2 / (l1 + l2);
    if (Hm[8] * lam < 0) lam = -lam; // plane centre in front of the camera
    const Rp = new Float64Array(9);
    for (let r = 0; r < 3; r++) {
      Rp[r * 3] = Hm[r * 3] * lam;
      Rp[r * 3 + 1] = Hm[r * 3 + 1] * lam;
    }
    Rp[2] = Rp[3] * Rp[7] - Rp[6] * Rp[4];
    Rp[5] = Rp[6] * Rp[1] - Rp[0] * Rp[7];
    Rp[8] = Rp[0] * Rp[4] - Rp[3] * Rp[1];
    const tp0 = Hm[2] * lam, tp1 = Hm[5] * lam, tp2 = Hm[8] * lam;
    const Rclean = new Float64Array(9);
    orthonormalize(Rp, Rclean);
    if (flip) {
      // Rclean <- Rot(lineOfSight, pi) * Rclean * diag(-1, -1, 1)
      const len = Math.hypot(tp0, tp1, tp2);
      const w0 = tp0 / len, w1 = tp1 / len, w2 = tp2 / len;
      const rot = new Float64Array([
        2 * w0 * w0 - 1, 2 * w0 * w1, 2 * w0 * w2,
        2 * w1 * w0, 2 * w1 * w1 - 1, 2 * w1 * w2,
        2 * w2 * w0, 2 * w2 * w1, 2 * w2 * w2 - 1,
      ]);
      for (let r = 0; r < 3; r++) { Rclean[r * 3] = -Rclean[r * 3]; Rclean[r * 3 + 1] = -Rclean[r * 3 + 1]; }
      mat3Multiply(rot, Rclean, tmp);
      Rclean.set(tmp);
    }
    // model -> camera: X_cam = Rp E^T (X - Xc) + tp
    const Et = new Float64Array([E[0], E[3], E[6], E[1], E[4], E[7], E[2], E[5], E[8]]);
    mat3Multiply(Rclean, Et, this.R);
    if (mat3Determinant(this.R) < 0) return false;
    // the homography's plane origin is the model centroid (Ta already removes ma, mb)
    const o0 = c0, o1 = c1, o2 = c2;
    const R = this.R;
    this.t[0] = tp0 - (R[0] * o0 + R[1] * o1 + R[2] * o2);
    this.t[1] = tp1 - (R[3] * o0 + R[4] * o1 + R[5] * o2);
    this.t[2] = tp2 - (R[6] * o0 + R[7] * o1 + R[8] * o2);
    return Number.isFinite(this.t[2]);
  }
}

/** Adds one residual row j (6 entries) with residual r to the upper triangle of JtJ and to Jtr. */
function accumulate(
  JtJ: Float64Array, Jtr: Float64Array,
  j0: number, j1: number, j2: number, j3: number, j4: number, j5: number, r: number,
): void {
  const j = JROW;
  j[0] = j0; j[1] = j1; j[2] = j2; j[3] = j3; j[4] = j4; j[5] = j5;
  for (let a = 0; a < 6; a++) {
    const ja = j[a];
    if (ja === 0) continue;
    Jtr[a] += ja * r;
    for (let b = a; b < 6; b++) JtJ[a * 6 + b] += ja * j[b];
  }
}
const JROW = new Float64Array(6);

function addOuter(A: Float64Array, row: Float64Array, n: number): void {
  for (let a = 0; a < n; a++) {
    const ra = row[a];
    if (ra === 0) continue;
    for (let b = 0; b < n; b++) A[a * n + b] += ra * row[b];
  }
}

/** One-shot convenience wrapper (allocates a solver; use a PnPSolver per stream in hot paths). */
export function solvePnP(
  points2d: ArrayLike<number>,
  points3d: ArrayLike<number>,
  intrinsics: Intrinsics,
  initial?: RigidPose | null,
  options?: PnPOptions,
): PnPResult {
  const n = Math.floor(points3d.length / 3);
  if (points2d.length < n * 2) throw new Error('solvePnP: points2d must hold 2 values per 3D point');
  const r = new PnPSolver(options).solve(points2d, points3d, n, intrinsics, initial);
  return {
    rotation: Float64Array.from(r.rotation),
    translation: Float64Array.from(r.translation),
    quaternion: Float64Array.from(r.quaternion),
    rmsPx: r.rmsPx,
    iterations: r.iterations,
    ok: r.ok,
  };
}
