/**
 * Face ROIs for the mesh model, following MediaPipe's face_detection_front_detection_to_roi and
 * face_landmark_landmarks_to_roi graphs: the rotation comes from the eye line (target angle 0), the
 * box is squared on its long side and scaled 1.5x.
 */
import type { Detection } from './blazeface';
import { FaceKeypoint } from './blazeface';
import type { RotatedRoi } from './roi-types';

export type { RotatedRoi } from './roi-types';
export { roiToImage, imageToRoi } from './roi-types';

/** MediaPipe's RectTransformationCalculator scale for the face landmark ROI. */
export const FACE_ROI_SCALE = 1.5;
/** Mesh indices of the subject's right-eye outer corner and left-eye outer corner (rotation vector). */
export const MESH_RIGHT_EYE_OUTER = 33;
export const MESH_LEFT_EYE_OUTER = 263;

/**
 * ROI from a detection: centre of the detection box, side = long side x scale, rotated so the
 * right-eye -> left-eye keypoint vector (image left to right in an upright face) becomes horizontal.
 */
export function roiFromDetection(d: Detection, scale = FACE_ROI_SCALE, out?: RotatedRoi): RotatedRoi {
  const re = d.keypoints[FaceKeypoint.RightEye];
  const le = d.keypoints[FaceKeypoint.LeftEye];
  const roi = out ?? { centerX: 0, centerY: 0, size: 0, angle: 0 };
  roi.angle = Math.atan2(le[1] - re[1], le[0] - re[0]);
  roi.centerX = d.box.xMin + d.box.width / 2;
  roi.centerY = d.box.yMin + d.box.height / 2;
  roi.size = Math.max(d.box.width, d.box.height) * scale;
  return roi;
}

/**
 * ROI from the previous frame's mesh (points interleaved x, y, z in image pixels, stride 3).
 * Rotation from the outer eye corners 33 -> 263. The extents are measured in the rotated frame
 * (MediaPipe measures them axis-aligned, which inflates the box of a rolled head by up to 1.4x);
 * the same in an upright face, and the crop stays the same size as the head rolls.
 */
export function roiFromMesh(points: ArrayLike<number>, scale = FACE_ROI_SCALE, out?: RotatedRoi): RotatedRoi {
  const count = Math.floor(points.length / 3);
  const ax = points[MESH_RIGHT_EYE_OUTER * 3];
  const ay = points[MESH_RIGHT_EYE_OUTER * 3 + 1];
  const angle = Math.atan2(points[MESH_LEFT_EYE_OUTER * 3 + 1] - ay, points[MESH_LEFT_EYE_OUTER * 3] - ax);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  let minU = Infinity;
  let maxU = -Infinity;
  let minV = Infinity;
  let maxV = -Infinity;
  for (let i = 0; i < count; i++) {
    const x = points[i * 3];
    const y = points[i * 3 + 1];
    const u = c * x + s * y;
    const v = -s * x + c * y;
    if (u < minU) minU = u;
    if (u > maxU) maxU = u;
    if (v < minV) minV = v;
    if (v > maxV) maxV = v;
  }
  const mu = (minU + maxU) / 2;
  const mv = (minV + maxV) / 2;
  const roi = out ?? { centerX: 0, centerY: 0, size: 0, angle: 0 };
  roi.centerX = c * mu - s * mv;
  roi.centerY = s * mu + c * mv;
  roi.size = Math.max(maxU - minU, maxV - minV) * scale;
  roi.angle = angle;
  return roi;
}

/**
 * True when part of the ROI lies outside the image by more than `tolerance` x its side (0 = any
 * corner outside). The tracker uses it to decide that a face is leaving the frame.
 */
export function roiLeavesImage(roi: RotatedRoi, width: number, height: number, tolerance = 0): boolean {
  const c = Math.cos(roi.angle);
  const s = Math.sin(roi.angle);
  const h = roi.size / 2;
  const slack = tolerance * roi.size;
  for (const [du, dv] of CORNERS) {
    const x = roi.centerX + (c * du - s * dv) * h;
    const y = roi.centerY + (s * du + c * dv) * h;
    if (x < -slack || y < -slack || x > width + slack || y > height + slack) return true;
  }
  return false;
}

const CORNERS: readonly (readonly [number, number])[] = [[-1, -1], [1, -1], [1, 1], [-1, 1]];
