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
 */

import { HEAD_MODEL_MM } from '../face-model';
import { FACE, LEFT_EYE, RIGHT_EYE } from './mesh-indices';

export const MESH_POINTS = 468;

/** Tilt of the nose bridge (168 -> 2) in the canonical model's y-z plane, radians: atan2(dz, dy). */
const BRIDGE_TILT = (() => {
  const a = FACE.midEyes * 3;
  const b = FACE.noseBottom * 3;
  return Math.atan2(HEAD_MODEL_MM[b + 2] - HEAD_MODEL_MM[a + 2], HEAD_MODEL_MM[b + 1] - HEAD_MODEL_MM[a + 1]);
})();
const COS_TILT = Math.cos(BRIDGE_TILT);
const SIN_TILT = Math.sin(BRIDGE_TILT);

/** Preallocated head-aligned frame plus the 468 points expressed in it. */
export class FaceFrame {
  /** Axes in the landmarks' frame (image pixels + depth): ex, ey, ez, 3 numbers each. */
  readonly axes = new Float64Array(9);
  /** 468 x 3 local coordinates, in IOD units. */
  readonly local = new Float64Array(MESH_POINTS * 3);
  /** Inter-ocular distance (outer corners, 3D) in landmark units (pixels). */
  iod = 1;

  /**
   * Builds the frame from `landmarks` (468 x 3) and, when given, the head rotation (3x3, row-major,
   * head model -> camera; its columns are the head axes in camera coordinates). Returns false (and
   * leaves the previous frame) when the landmarks are degenerate.
   */
  update(landmarks: ArrayLike<number>, rotation?: ArrayLike<number>): boolean {
    if (landmarks.length < MESH_POINTS * 3) throw new RangeError(`need ${MESH_POINTS * 3} landmark values, got ${landmarks.length}`);
    const L = landmarks;
    const r = RIGHT_EYE.outer * 3;
    const l = LEFT_EYE.outer * 3;
    const iod = Math.hypot(L[l] - L[r], L[l + 1] - L[r + 1], L[l + 2] - L[r + 2]);
    if (!(iod > 1e-6)) return false;
    const a = this.axes;
    if (rotation && rotation.length >= 9) {
      for (let k = 0; k < 3; k++) {
        a[k] = rotation[k * 3]; // column 0: head x
        a[3 + k] = rotation[k * 3 + 1]; // column 1: head y
        a[6 + k] = rotation[k * 3 + 2]; // column 2: head z
      }
    } else if (!this.axesFromLandmarks(L)) {
      return false;
    }
    this.iod = iod;
    const o = FACE.midEyes * 3;
    const ox = L[o];
    const oy = L[o + 1];
    const oz = L[o + 2];
    const s = 1 / iod;
    const loc = this.local;
    for (let i = 0; i < MESH_POINTS * 3; i += 3) {
      const dx = L[i] - ox;
      const dy = L[i + 1] - oy;
      const dz = L[i + 2] - oz;
      loc[i] = (dx * a[0] + dy * a[1] + dz * a[2]) * s;
      loc[i + 1] = (dx * a[3] + dy * a[4] + dz * a[5]) * s;
      loc[i + 2] = (dx * a[6] + dy * a[7] + dz * a[8]) * s;
    }
    return true;
  }

  private axesFromLandmarks(L: ArrayLike<number>): boolean {
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
