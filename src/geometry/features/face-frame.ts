/**
 * A head-aligned frame for measuring expressions independently of head pose and distance.
 *
 * Axes follow the head model frame (geometry/face-model.ts): x towards the subject's left, y down
 * (towards the chin), z into the head. Origin at mesh point 168 (between the eyes); unit length = the
 * 3D distance between the outer eye corners (33, 263), so every "local" coordinate is in inter-ocular
 * distances (IOD) and features do not change with the face's size in the image.
 *
 * Where the head rotation (head model -> camera) is known, its columns are the axes. Otherwise the axes
 * come from points that expressions do not move: x from the right eye's corners' midpoint to the left
 * eye's, y along the nose bridge (168 -> 2) with the canonical model's bridge tilt taken out, so both
 * ways give the same frame on the canonical face.
 *
 * Landmark z must be scaled like x and y (FaceMesh's is), otherwise the 3D distances are wrong.
 *
 * Perspective: FaceMesh's x, y are image positions, so parts of the face nearer the camera look
 * bigger, and how much changes as the head turns (at 60 cm a 30 degree yaw moves a mouth corner by
 * ~1.5 mm relative to the lips' centre: a quarter of a full smile). Given the camera intrinsics, the
 * points are first un-projected: the face's distance is estimated from its inter-ocular distance
 * (assumed to be the canonical model's, ~89 mm) and each point's depth from its z.
 *
 * The iris points have no depth: each iris centre is put where its line of sight meets the plane of
 * the eye opening (through the mean of the middle eyelid points, facing along the head's z axis), so
 * its offset in the eye is measured in 3D too and does not shift when the head turns.
 */

import { HEAD_MODEL_MM } from '../face-model';
import type { Intrinsics } from '../intrinsics';
import { FACE, IRIS_LEFT_CENTRE, IRIS_RIGHT_CENTRE, LEFT_EYE, RIGHT_EYE } from './mesh-indices';
import type { EyeIndices } from './mesh-indices';

export const MESH_POINTS = 468;

/** Tilt of the nose bridge (168 -> 2) in the canonical model's y-z plane, radians: atan2(dz, dy). */
const BRIDGE_TILT = (() => {
  const a = FACE.midEyes * 3;
  const b = FACE.noseBottom * 3;
  return Math.atan2(HEAD_MODEL_MM[b + 2] - HEAD_MODEL_MM[a + 2], HEAD_MODEL_MM[b + 1] - HEAD_MODEL_MM[a + 1]);
})();
const COS_TILT = Math.cos(BRIDGE_TILT);
const SIN_TILT = Math.sin(BRIDGE_TILT);

/** Outer-corner inter-ocular distance of the canonical model, mm (the assumed real one). */
export const CANONICAL_IOD_MM = (() => {
  const r = RIGHT_EYE.outer * 3;
  const l = LEFT_EYE.outer * 3;
  const M = HEAD_MODEL_MM;
  return Math.hypot(M[l] - M[r], M[l + 1] - M[r + 1], M[l + 2] - M[r + 2]);
})();

/** Preallocated head-aligned frame plus the 468 points (and the two iris centres) expressed in it. */
export class FaceFrame {
  /** Axes in the landmarks' frame (image pixels + depth): ex, ey, ez, 3 numbers each. */
  readonly axes = new Float64Array(9);
  /** 468 x 3 local coordinates, in IOD units. */
  readonly local = new Float64Array(MESH_POINTS * 3);
  /** Iris centres in local coordinates: right x, y, z, then left x, y, z. */
  readonly irisLocal = new Float64Array(6);
  /** Inter-ocular distance (outer corners, 3D) in the working units (pixels, or mm with a camera). */
  iod = 1;
  /** Working copy of the points: the landmarks, or their un-projection when a camera is given. */
  private readonly points = new Float64Array(MESH_POINTS * 3);
  private readonly irisPoints = new Float64Array(6);

  /**
   * Builds the frame from `landmarks` (468 x 3) and `iris` (10 x 2) and, when given, the head rotation
   * (3x3, row-major, head model -> camera; its columns are the head axes in camera coordinates) and the
   * camera intrinsics (to undo perspective). Returns false (and leaves the previous frame) when the
   * landmarks are degenerate.
   */
  update(landmarks: ArrayLike<number>, iris: ArrayLike<number>, rotation?: ArrayLike<number>, camera?: Intrinsics): boolean {
    if (landmarks.length < MESH_POINTS * 3) throw new RangeError(`need ${MESH_POINTS * 3} landmark values, got ${landmarks.length}`);
    const P = this.points;
    for (let i = 0; i < MESH_POINTS * 3; i++) P[i] = landmarks[i];
    let iod = outerIod(P);
    if (!(iod > 1e-6)) return false;
    if (camera) {
      if (!(camera.fx > 0 && camera.fy > 0)) throw new RangeError('camera focal lengths must be positive');
      // Distance of the face (depth where landmark z = 0), from its apparent size.
      const z0 = (camera.fx * CANONICAL_IOD_MM) / iod;
      unproject(P, MESH_POINTS, camera, z0);
      iod = outerIod(P);
      if (!(iod > 1e-6)) return false;
    }
    const a = this.axes;
    if (rotation && rotation.length >= 9) {
      for (let k = 0; k < 3; k++) {
        a[k] = rotation[k * 3]; // column 0: head x
        a[3 + k] = rotation[k * 3 + 1]; // column 1: head y
        a[6 + k] = rotation[k * 3 + 2]; // column 2: head z
      }
    } else if (!this.axesFromLandmarks(P)) {
      return false;
    }
    placeIris(P, RIGHT_EYE, iris[IRIS_RIGHT_CENTRE * 2], iris[IRIS_RIGHT_CENTRE * 2 + 1], a, camera, this.irisPoints, 0);
    placeIris(P, LEFT_EYE, iris[IRIS_LEFT_CENTRE * 2], iris[IRIS_LEFT_CENTRE * 2 + 1], a, camera, this.irisPoints, 3);
    this.iod = iod;
    const o = FACE.midEyes * 3;
    toLocal(P, MESH_POINTS, P[o], P[o + 1], P[o + 2], a, 1 / iod, this.local);
    toLocal(this.irisPoints, 2, P[o], P[o + 1], P[o + 2], a, 1 / iod, this.irisLocal);
    return true;
  }

  private axesFromLandmarks(L: Float64Array): boolean {
    const a = this.axes;
    // x: right-eye corner midpoint -> left-eye corner midpoint.
    let xx = 0;
    let xy = 0;
    let xz = 0;
    for (let k = 0; k < 3; k++) {
      const v = (L[LEFT_EYE.outer * 3 + k] + L[LEFT_EYE.inner * 3 + k] - L[RIGHT_EYE.outer * 3 + k] - L[RIGHT_EYE.inner * 3 + k]) / 2;
      if (k === 0) xx = v;
      else if (k === 1) xy = v;
      else xz = v;
    }
    const xn = Math.hypot(xx, xy, xz);
    if (!(xn > 1e-9)) return false;
    xx /= xn;
    xy /= xn;
    xz /= xn;
    // y': nose bridge direction, made orthogonal to x.
    const m = FACE.midEyes * 3;
    const n = FACE.noseBottom * 3;
    let yx = L[n] - L[m];
    let yy = L[n + 1] - L[m + 1];
    let yz = L[n + 2] - L[m + 2];
    const d = yx * xx + yy * xy + yz * xz;
    yx -= d * xx;
    yy -= d * xy;
    yz -= d * xz;
    const yn = Math.hypot(yx, yy, yz);
    if (!(yn > 1e-9)) return false;
    yx /= yn;
    yy /= yn;
    yz /= yn;
    // z' = x cross y'
    const zx = xy * yz - xz * yy;
    const zy = xz * yx - xx * yz;
    const zz = xx * yy - xy * yx;
    // Undo the bridge tilt about x: y = cos*y' - sin*z', z = sin*y' + cos*z'.
    a[0] = xx;
    a[1] = xy;
    a[2] = xz;
    a[3] = COS_TILT * yx - SIN_TILT * zx;
    a[4] = COS_TILT * yy - SIN_TILT * zy;
    a[5] = COS_TILT * yz - SIN_TILT * zz;
    a[6] = SIN_TILT * yx + COS_TILT * zx;
    a[7] = SIN_TILT * yy + COS_TILT * zy;
    a[8] = SIN_TILT * yz + COS_TILT * zz;
    return true;
  }
}

/**
 * Puts the iris centre seen at image (ix, iy) on the eye-opening plane: through the mean of the eye's
 * middle lid points, normal to the head z axis (axes[6..8]). Writes x, y, z (working units) at out[o].
 */
function placeIris(P: Float64Array, eye: EyeIndices, ix: number, iy: number, axes: Float64Array, cam: Intrinsics | undefined, out: Float64Array, o: number): void {
  let cx = 0;
  let cy = 0;
  let cz = 0;
  const n = eye.upper.length + eye.lower.length;
  for (let k = 0; k < eye.upper.length; k++) {
    const u = eye.upper[k] * 3;
    const l = eye.lower[k] * 3;
    cx += P[u] + P[l];
    cy += P[u + 1] + P[l + 1];
    cz += P[u + 2] + P[l + 2];
  }
  cx /= n;
  cy /= n;
  cz /= n;
  const nx = axes[6];
  const ny = axes[7];
  const nz = axes[8];
  if (cam) {
    // Ray from the camera centre through the pixel: s * d; plane: (p - c) . n = 0.
    const dx = (ix - cam.cx) / cam.fx;
    const dy = (iy - cam.cy) / cam.fy;
    const dn = dx * nx + dy * ny + nz;
    const s = Math.abs(dn) > 1e-6 ? (cx * nx + cy * ny + cz * nz) / dn : cz;
    out[o] = s * dx;
    out[o + 1] = s * dy;
    out[o + 2] = s;
  } else {
    // Orthographic: the ray runs along z through (ix, iy).
    out[o] = ix;
    out[o + 1] = iy;
    out[o + 2] = Math.abs(nz) > 1e-6 ? cz - ((ix - cx) * nx + (iy - cy) * ny) / nz : cz;
  }
}

function outerIod(P: Float64Array): number {
  const r = RIGHT_EYE.outer * 3;
  const l = LEFT_EYE.outer * 3;
  return Math.hypot(P[l] - P[r], P[l + 1] - P[r + 1], P[l + 2] - P[r + 2]);
}

/** In place: (x px, y px, z px-like) -> camera-frame millimetres, depth z0 * (1 + z / fx). */
function unproject(P: Float64Array, count: number, cam: Intrinsics, z0: number): void {
  for (let i = 0; i < count * 3; i += 3) {
    const depth = z0 * (1 + P[i + 2] / cam.fx);
    P[i] = ((P[i] - cam.cx) * depth) / cam.fx;
    P[i + 1] = ((P[i + 1] - cam.cy) * depth) / cam.fy;
    P[i + 2] = depth;
  }
}

function toLocal(P: Float64Array, count: number, ox: number, oy: number, oz: number, a: Float64Array, s: number, out: Float64Array): void {
  for (let i = 0; i < count * 3; i += 3) {
    const dx = P[i] - ox;
    const dy = P[i + 1] - oy;
    const dz = P[i + 2] - oz;
    out[i] = (dx * a[0] + dy * a[1] + dz * a[2]) * s;
    out[i + 1] = (dx * a[3] + dy * a[4] + dz * a[5]) * s;
    out[i + 2] = (dx * a[6] + dy * a[7] + dz * a[8]) * s;
  }
}
