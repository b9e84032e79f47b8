/**
 * Head pose from the 468-point mesh: PnP of rigid mesh points against the canonical face model.
 *
 * Frames: the head model frame (see face-model.ts) is x towards the subject's left, y down, z into
 * the head; the camera frame is OpenCV's (x right, y down, z forward). `rotation` maps head model
 * coordinates into the camera frame; a face looking straight into the camera has the identity.
 *
 * Euler angles follow the AFLW2000-3D / 300W-LP labels (3DDFA's `Pose_Para`, degrees here):
 *
 *     R = Rx(-pitch) * Ry(yaw) * Rz(roll)      (standard right-handed rotation matrices, camera frame)
 *
 *   yaw   > 0: the subject turns to their own right (the face points towards the image's left)
 *   pitch > 0: the subject looks up
 *   roll  > 0: the head tilts clockwise in the image (top of the head towards the image's right)
 *
 * Found by fitting PnP on the labels' own 68 points of the 16 AFLW2000-3D images and trying every
 * axis order and sign: this one matches (about 3 degrees mean error, test/geometry-pose.test.ts), the
 * next best is worse by 2 degrees everywhere; it is also 3DDFA's RotationMatrix(phi, gamma, theta)
 * = Rx Ry Rz with its transposed per-axis matrices, written in a y-up frame (flipping y and z turns
 * their Rx(p)^T Ry(y)^T Rz(r)^T into the form above). Decomposition: yaw = asin(R02) in [-90, 90].
 */

import type { HeadPose, Vec3 } from '../tracking/types';
import { HEAD_MODEL_MM, POSE_LANDMARKS } from './face-model';
import { defaultIntrinsics, type Intrinsics } from './intrinsics';
import { PnPSolver, type PnPOptions, type RigidPose } from './pnp';

const DEG = 180 / Math.PI;

export interface EulerAngles {
  yaw: number;
  pitch: number;
  roll: number;
}

/** Yaw/pitch/roll in degrees (AFLW2000-3D convention, see above) of a head -> camera rotation. */
export function rotationToEuler(R: ArrayLike<number>, out: EulerAngles = { yaw: 0, pitch: 0, roll: 0 }): EulerAngles {
  out.yaw = Math.asin(Math.max(-1, Math.min(1, R[2]))) * DEG;
  out.pitch = Math.atan2(R[5], R[8]) * DEG;
  out.roll = Math.atan2(-R[1], R[0]) * DEG;
  return out;
}

/** Inverse of rotationToEuler: R = Rx(-pitch) Ry(yaw) Rz(roll), angles in degrees. */
export function eulerToRotation(yaw: number, pitch: number, roll: number, out = new Float64Array(9)): Float64Array {
  const a = -pitch / DEG, b = yaw / DEG, c = roll / DEG;
  const ca = Math.cos(a), sa = Math.sin(a), cb = Math.cos(b), sb = Math.sin(b), cc = Math.cos(c), sc = Math.sin(c);
  // Rx(a) Ry(b) Rz(c)
  out[0] = cb * cc; out[1] = -cb * sc; out[2] = sb;
  out[3] = sa * sb * cc + ca * sc; out[4] = -sa * sb * sc + ca * cc; out[5] = -sa * cb;
  out[6] = -ca * sb * cc + sa * sc; out[7] = ca * sb * sc + sa * cc; out[8] = ca * cb;
  return out;
}

/** 468 landmarks as interleaved x, y, z (pixels; z ignored) or as [x, y, z] tuples. */
export type LandmarkInput = ArrayLike<number> | readonly (readonly number[])[];

export function landmarkX(landmarks: LandmarkInput, i: number): number {
  const first = landmarks[0];
  return typeof first === 'number' ? (landmarks as ArrayLike<number>)[i * 3] : (landmarks as readonly (readonly number[])[])[i][0];
}

export function landmarkY(landmarks: LandmarkInput, i: number): number {
  const first = landmarks[0];
  return typeof first === 'number' ? (landmarks as ArrayLike<number>)[i * 3 + 1] : (landmarks as readonly (readonly number[])[])[i][1];
}

/** HeadPose (the TrackingFrame fields) plus the raw rotation and translation for later stages. */
export interface HeadPoseResult extends HeadPose, RigidPose {
  quaternion: [number, number, number, number];
  translationMm: Vec3;
}

export interface HeadPoseOptions extends PnPOptions {
  /** Mesh indices fitted to the model; default POSE_LANDMARKS (rigid points only). */
  landmarkIndices?: readonly number[];
  /** One PnP weight per landmarkIndices entry (PnPSolver.solve); default 1 each. */
  landmarkWeights?: readonly number[];
}

/**
 * Per-stream head pose estimator. `estimate` returns this estimator's own result object, rewritten
 * on every call (no per-frame allocation); copy it if you keep it.
 */
export class HeadPoseEstimator {
  readonly result: HeadPoseResult = {
    yaw: 0,
    pitch: 0,
    roll: 0,
    quaternion: [1, 0, 0, 0],
    translationMm: [0, 0, 0],
    reprojectionPx: 0,
    rotation: new Float64Array(9),
    translation: new Float64Array(3),
  };

  private readonly indices: readonly number[];
  private readonly weights: Float64Array | null;
  private readonly solver: PnPSolver;
  private readonly points2d: Float64Array;
  private readonly points3d: Float64Array;
  private readonly euler: EulerAngles = { yaw: 0, pitch: 0, roll: 0 };

  constructor(options: HeadPoseOptions = {}) {
    this.indices = options.landmarkIndices ?? POSE_LANDMARKS;
    this.solver = new PnPSolver(options);
    const n = this.indices.length;
    const weights = options.landmarkWeights;
    if (weights && weights.length !== n) throw new Error(`landmarkWeights: ${weights.length} weights for ${n} points`);
    this.weights = weights ? Float64Array.from(weights) : null;
    this.points2d = new Float64Array(n * 2);
    this.points3d = new Float64Array(n * 3);
    this.indices.forEach((m, k) => {
      this.points3d[k * 3] = HEAD_MODEL_MM[m * 3];
      this.points3d[k * 3 + 1] = HEAD_MODEL_MM[m * 3 + 1];
      this.points3d[k * 3 + 2] = HEAD_MODEL_MM[m * 3 + 2];
    });
  }

  /**
   * @param landmarks the 468 mesh points in image pixels
   * @param previous  last frame's pose of the same face (warm start), or null after a track loss
   * @returns the pose, or null when no pose in front of the camera fits the points
   */
  estimate(landmarks: LandmarkInput, intrinsics: Intrinsics, previous?: RigidPose | null): HeadPoseResult | null {
    const n = this.indices.length;
    for (let k = 0; k < n; k++) {
      const m = this.indices[k];
      this.points2d[k * 2] = landmarkX(landmarks, m);
      this.points2d[k * 2 + 1] = landmarkY(landmarks, m);
    }
    const fit = this.solver.solve(this.points2d, this.points3d, n, intrinsics, previous, this.weights);
    if (!fit.ok) return null;
    const r = this.result;
    r.rotation.set(fit.rotation);
    r.translation.set(fit.translation);
    r.quaternion[0] = fit.quaternion[0];
    r.quaternion[1] = fit.quaternion[1];
    r.quaternion[2] = fit.quaternion[2];
    r.quaternion[3] = fit.quaternion[3];
    r.translationMm[0] = fit.translation[0];
    r.translationMm[1] = fit.translation[1];
    r.translationMm[2] = fit.translation[2];
    r.reprojectionPx = fit.rmsPx;
    rotationToEuler(fit.rotation, this.euler);
    r.yaw = this.euler.yaw;
    r.pitch = this.euler.pitch;
    r.roll = this.euler.roll;
    return r;
  }
}

/** One-shot convenience (allocates an estimator and a fresh result). */
export function estimateHeadPose(
  landmarks: LandmarkInput,
  width: number,
  height: number,
  options: HeadPoseOptions & { intrinsics?: Intrinsics } = {},
  previous?: RigidPose | null,
): HeadPoseResult | null {
  const pose = new HeadPoseEstimator(options).estimate(landmarks, options.intrinsics ?? defaultIntrinsics(width, height), previous);
  return pose && copyHeadPose(pose);
}

export function copyHeadPose(p: HeadPoseResult): HeadPoseResult {
  return {
    yaw: p.yaw,
    pitch: p.pitch,
    roll: p.roll,
    quaternion: [...p.quaternion],
    translationMm: [...p.translationMm],
    reprojectionPx: p.reprojectionPx,
    rotation: Float64Array.from(p.rotation),
    translation: Float64Array.from(p.translation),
  };
}
