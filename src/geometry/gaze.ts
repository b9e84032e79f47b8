/**
 * Gaze per eye from geometry alone (no gaze network): an average eyeball placed behind the eye
 * corners, oriented by the head pose; the gaze ray runs from the eyeball centre through the 3D iris
 * centre, found by casting the camera ray of the 2D iris centre onto the sphere the iris centre moves on.
 *
 * Average eye geometry (millimetres) and where the numbers come from:
 * - eyeball radius 12: adult axial length ~23.7 mm and transverse diameter ~24 mm
 *   (Bekerman, Gottlieb, Vaiman 2014, "Variations in eyeball diameters of the healthy adults").
 * - iris radius 5.85: horizontal visible iris diameter 11.7 +- 0.5 mm, the constant MediaPipe's iris
 *   depth estimation relies on (Rüfer et al. 2005 report a white-to-white diameter of 11.71 mm).
 * - iris centre 10.5 from the eyeball centre: the iris rim lies on the 12 mm sphere, so the iris
 *   plane sits sqrt(12^2 - 5.85^2) = 10.48 mm in front of the centre.
 * - eyeball centre 8.5 behind the midpoint of the eye corners, along the head's backward axis: on the
 *   canonical face model the lid margins (159/145) are 3.6 mm in front of the corner midpoint; the
 *   corneal apex sits ~1.5 mm beyond the lid margins and ~13.5 mm in front of the eye's centre of
 *   rotation (Fry and Hill 1962), giving 3.6 + 1.5 - 13.5 = -8.4 mm. At straight gaze the iris
 *   centre then lies 2 mm in front of the corner midpoint.
 *
 * The corners are taken from the image (each corner landmark back-projected to the depth the head
 * pose gives its model vertex), not from the fitted model, so a head model that fits the face only
 * approximately does not shift the eyeball against the iris it must explain.
 *
 * Angles: yaw > 0 when the eye turns to the subject's right (towards the image's left), pitch > 0
 * upwards: the same senses as the head's yaw and pitch (pose.ts). A vector pointing straight at the
 * camera along its optical axis, (0, 0, -1), has yaw = pitch = 0.
 */

import type { EyeGaze, Gaze, Vec3 } from '../tracking/types';
import { EYE_CORNERS, HEAD_MODEL_MM } from './face-model';
import type { Intrinsics } from './intrinsics';
import type { RigidPose } from './pnp';
import { landmarkX, landmarkY, type LandmarkInput } from './pose';

const DEG = 180 / Math.PI;

export interface EyeModel {
  /** Distance from the eyeball centre to the iris centre, mm. */
  irisSphereRadiusMm: number;
  /** Eyeball centre behind the eye-corner midpoint along the head's backward (+z) axis, mm. */
  centreBehindCornersMm: number;
  /** Eyeball centre below (+) or above (-) the corner midpoint along the head's y axis, mm. */
  centreBelowCornersMm: number;
}

export const AVERAGE_EYE: Readonly<EyeModel> = {
  irisSphereRadiusMm: Math.sqrt(12 * 12 - 5.85 * 5.85),
  centreBehindCornersMm: 8.5,
  centreBelowCornersMm: 0,
};

/** 10 iris points (right eye centre + 4 edge points, then the left eye's), as [x, y] or interleaved. */
export type IrisInput = ArrayLike<number> | readonly (readonly number[])[];

/** Iris point index of each eye's centre in the 10-point layout. */
export const IRIS_CENTRE = { right: 0, left: 5 } as const;

/** Yaw/pitch in degrees of a direction (camera or head frame: x right, y down, z away). */
export function directionToYawPitch(x: number, y: number, z: number, out: { yaw: number; pitch: number }): void {
  out.yaw = Math.atan2(-x, -z) * DEG;
  out.pitch = Math.atan2(-y, Math.hypot(x, z)) * DEG;
}

/** Unit direction for a yaw/pitch in degrees (inverse of directionToYawPitch). */
export function yawPitchToDirection(yawDeg: number, pitchDeg: number, out: Vec3 = [0, 0, 0]): Vec3 {
  const y = yawDeg / DEG, p = pitchDeg / DEG;
  out[0] = -Math.sin(y) * Math.cos(p);
  out[1] = -Math.sin(p);
  out[2] = -Math.cos(y) * Math.cos(p);
  return out;
}

function newEyeGaze(): EyeGaze {
  return { vector: [0, 0, -1], yaw: 0, pitch: 0 };
}

/**
 * Per-stream gaze estimator; `estimate` returns the estimator's own result object, rewritten on
 * every call.
 */
export class GazeEstimator {
  readonly result: Gaze = { left: newEyeGaze(), right: newEyeGaze(), combined: newEyeGaze() };
  /** Eyeball centres of the last call, camera frame mm: right x y z, left x y z (for overlays/tests). */
  readonly eyeballCentres = new Float64Array(6);
  private readonly eye: EyeModel;

  constructor(eye: Partial<EyeModel> = {}) {
    this.eye = { ...AVERAGE_EYE, ...eye };
  }

  /**
   * @param landmarks the 468 mesh points, pixels
   * @param iris      the 10 iris points, pixels
   * @param pose      head pose from pose.ts (rotation head -> camera, translation mm)
   */
  estimate(landmarks: LandmarkInput, iris: IrisInput, pose: RigidPose, K: Intrinsics): Gaze {
    const g = this.result;
    this.eyeGaze(landmarks, iris, IRIS_CENTRE.right, EYE_CORNERS.right.outer, EYE_CORNERS.right.inner, pose, K, g.right, 0);
    this.eyeGaze(landmarks, iris, IRIS_CENTRE.left, EYE_CORNERS.left.outer, EYE_CORNERS.left.inner, pose, K, g.left, 3);
    return this.combine(1, 1);
  }

  /**
   * Re-weights the last estimate's `combined` gaze by how open each eye is (0..1): a closed eye's
   * iris sits under its lid and wanders (up to 16 degrees in a wink, bench/winks), so the open eye
   * should lead. Equal weights (as estimate() gives) are the plain mean of the two directions.
   */
  combine(leftOpen: number, rightOpen: number): Gaze {
    const g = this.result;
    const wl = Math.max(0.05, Math.min(1, leftOpen));
    const wr = Math.max(0.05, Math.min(1, rightOpen));
    const v = g.combined.vector;
    const sx = wl * g.left.vector[0] + wr * g.right.vector[0];
    const sy = wl * g.left.vector[1] + wr * g.right.vector[1];
    const sz = wl * g.left.vector[2] + wr * g.right.vector[2];
    const norm = Math.hypot(sx, sy, sz) || 1;
    v[0] = sx / norm; v[1] = sy / norm; v[2] = sz / norm;
    directionToYawPitch(v[0], v[1], v[2], g.combined);
    return g;
  }

  private eyeGaze(
    landmarks: LandmarkInput, iris: IrisInput, irisIndex: number, outer: number, inner: number,
    pose: RigidPose, K: Intrinsics, out: EyeGaze, slot: number,
  ): void {
    const R = pose.rotation, t = pose.translation;
    // each image corner, back-projected to the depth the pose gives its model vertex; then the midpoint
    const zo = R[6] * HEAD_MODEL_MM[outer * 3] + R[7] * HEAD_MODEL_MM[outer * 3 + 1] + R[8] * HEAD_MODEL_MM[outer * 3 + 2] + t[2];
    const zi = R[6] * HEAD_MODEL_MM[inner * 3] + R[7] * HEAD_MODEL_MM[inner * 3 + 1] + R[8] * HEAD_MODEL_MM[inner * 3 + 2] + t[2];
    const midX = (((landmarkX(landmarks, outer) - K.cx) / K.fx) * zo + ((landmarkX(landmarks, inner) - K.cx) / K.fx) * zi) / 2;
    const midY = (((landmarkY(landmarks, outer) - K.cy) / K.fy) * zo + ((landmarkY(landmarks, inner) - K.cy) / K.fy) * zi) / 2;
    const midZ = (zo + zi) / 2;
    const down = this.eye.centreBelowCornersMm, back = this.eye.centreBehindCornersMm;
    // eyeball centre = corner midpoint + R * (0, down, back)
    const cx = midX + R[1] * down + R[2] * back;
    const cy = midY + R[4] * down + R[5] * back;
    const cz = midZ + R[7] * down + R[8] * back;
    this.eyeballCentres[slot] = cx;
    this.eyeballCentres[slot + 1] = cy;
    this.eyeballCentres[slot + 2] = cz;

    // camera ray through the iris centre
    const iu = pointX(iris, irisIndex), iv = pointY(iris, irisIndex);
    let dx = (iu - K.cx) / K.fx, dy = (iv - K.cy) / K.fy, dz = 1;
    const dn = Math.hypot(dx, dy, dz);
    dx /= dn; dy /= dn; dz /= dn;
    // nearest intersection with the sphere |p - c| = r: s = d.c - sqrt((d.c)^2 - |c|^2 + r^2)
    const r = this.eye.irisSphereRadiusMm;
    const dc = dx * cx + dy * cy + dz * cz;
    const disc = dc * dc - (cx * cx + cy * cy + cz * cz) + r * r;
    // a ray that misses the sphere (noise at extreme gaze) takes the silhouette point nearest to it
    const s = disc > 0 ? dc - Math.sqrt(disc) : dc;
    let gx = dx * s - cx, gy = dy * s - cy, gz = dz * s - cz;
    const gn = Math.hypot(gx, gy, gz) || 1;
    gx /= gn; gy /= gn; gz /= gn;
    out.vector[0] = gx; out.vector[1] = gy; out.vector[2] = gz;
    directionToYawPitch(gx, gy, gz, out);
  }
}

function pointX(points: IrisInput, i: number): number {
  const first = points[0];
  return typeof first === 'number' ? (points as ArrayLike<number>)[i * 2] : (points as readonly (readonly number[])[])[i][0];
}

function pointY(points: IrisInput, i: number): number {
  const first = points[0];
  return typeof first === 'number' ? (points as ArrayLike<number>)[i * 2 + 1] : (points as readonly (readonly number[])[])[i][1];
}

/** One-shot convenience (allocates; use a GazeEstimator per stream in hot paths). */
export function estimateGaze(landmarks: LandmarkInput, iris: IrisInput, pose: RigidPose, intrinsics: Intrinsics): Gaze {
  const g = new GazeEstimator().estimate(landmarks, iris, pose, intrinsics);
  const copy = (e: EyeGaze): EyeGaze => ({ vector: [...e.vector], yaw: e.yaw, pitch: e.pitch });
  return { left: copy(g.left), right: copy(g.right), combined: copy(g.combined) };
}

/**
 * Eye-in-head angles (what an avatar's eye bones need): the gaze vector expressed in the head model
 * frame, as yaw/pitch in degrees with the same senses as above (0, 0 = looking along the head's forward axis).
 */
export function gazeRelativeToHead(vector: Readonly<Vec3>, rotation: ArrayLike<number>, out = { yaw: 0, pitch: 0 }): { yaw: number; pitch: number } {
  const R = rotation;
  // R^T v
  const x = R[0] * vector[0] + R[3] * vector[1] + R[6] * vector[2];
  const y = R[1] * vector[0] + R[4] * vector[1] + R[7] * vector[2];
  const z = R[2] * vector[0] + R[5] * vector[1] + R[8] * vector[2];
  directionToYawPitch(x, y, z, out);
  return out;
}
