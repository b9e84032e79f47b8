/**
 * Raw expression metrics: pose- and scale-free measurements of the face, before any neutral
 * calibration or mapping to 0..1. Pure functions of the head-aligned local coordinates (FaceFrame:
 * x subject's left, y down, z into the head, unit = inter-ocular distance).
 */

import type { FaceFrame } from './face-frame';
import { FACE, LEFT_BROW, LEFT_EYE, LIPS, LOWER_FACE, RIGHT_BROW, RIGHT_EYE } from './mesh-indices';
import type { BrowIndices, EyeIndices } from './mesh-indices';

/** Index of each raw metric in the raw metrics array. */
export const RAW = {
  /** Eye aspect ratio: mean lid gap (along head y) over the eye's 3D corner-to-corner width. */
  eyeOpenRight: 0,
  eyeOpenLeft: 1,
  /** Depth of the lower lid below the eye corners' line (head y), over eye width. Falls when squinting. */
  lowerLidRight: 2,
  lowerLidLeft: 3,
  /** Iris centre offset from the corners' midpoint along head x (+ = towards the subject's left),
   * over the eye's width (iris depth taken from the eyelids: see FaceFrame). */
  irisXRight: 4,
  irisXLeft: 5,
  /** Iris centre offset along head y (+ = down), over the eye's width. */
  irisYRight: 6,
  irisYLeft: 7,
  /** Gap between the inner lips (head y), IOD. */
  lipGap: 8,
  /** Outer mouth corner to corner, 3D, IOD. */
  mouthWidth: 9,
  /** Nose bottom (2) to chin (152), 3D, IOD: grows as the jaw drops. */
  jawDrop: 10,
  /** Height of each mouth corner above the upper inner lip lowered by CORNER_JAW_FOLLOW x the lip gap
   * (head y, + = up), IOD. */
  cornerUpRight: 11,
  cornerUpLeft: 12,
  /** Distance of each mouth corner from the face's midline (head x), IOD. */
  cornerOutRight: 13,
  cornerOutLeft: 14,
  /** Lips' centre sideways from the midline (head x, + = subject's left), IOD. */
  mouthShift: 15,
  /** Mean height of the brow above its eye's corners (head y, + = up), IOD: whole brow, inner, outer. */
  browRight: 16,
  browLeft: 17,
  browInnerRight: 18,
  browInnerLeft: 19,
  browOuterRight: 20,
  browOuterLeft: 21,
  /** Distance between the inner brow ends (head x), IOD: shrinks when frowning. */
  browInnerGap: 22,
  /** Head-relative gaze per eye from gaze vectors, degrees (yaw + = towards the subject's left,
   * pitch + = up); 0 when no gaze was given. */
  gazeYawRight: 23,
  gazeYawLeft: 24,
  gazePitchRight: 25,
  gazePitchLeft: 26,
  // Lower face, for the ARKit shapes beyond the first 31 (computeLowerFaceMetrics). All head frame, IOD.
  /** Chin (152) sideways from the midline (head x, + = subject's left). */
  jawSide: 27,
  /** Chin depth (head z, + = into the head): falls when the jaw juts forward. */
  chinDepth: 28,
  /** Height of the upper outer lip beside the centre (39 / 269) below the nose bottom (2): falls as that side of the lip is raised. */
  upperLipRight: 29,
  upperLipLeft: 30,
  /** Height of the lower outer lip beside the centre (181 / 405) above the chin (152): falls as that side of the lip is pulled down. */
  lowerLipRight: 31,
  lowerLipLeft: 32,
  /** Red-lip thickness at the centre, outer to inner contour (0-13 upper, 14-17 lower): falls as the lip rolls in. */
  upperLipThickness: 33,
  lowerLipThickness: 34,
  /** Upper plus lower red-lip thickness beside the centre (39-81 + 178-181, 269-311 + 402-405): falls as the lips press. */
  sideLipsRight: 35,
  sideLipsLeft: 36,
  /** Upper outer lip centre (0) below the nose bottom (2): falls as the upper lip shrugs up. */
  upperLipCentre: 37,
  /** Lower outer lip centre (17) above the chin (152): grows as the chin boss pushes the lower lip up. */
  lowerLipCentre: 38,
  /** Mouth corner (61 / 291) depth behind the outer lips' centre (0, 17) (head z): grows as the corner is drawn back (dimple). */
  cornerDepthRight: 39,
  cornerDepthLeft: 40,
  /** Upper cheek (118 + 101 / 347 + 330) below its eye's corners (head y): falls as the cheek rises. */
  cheekRight: 41,
  cheekLeft: 42,
  /** Nose wing (64 / 294) below its eye's corners (head y): falls in a sneer. */
  noseWingRight: 43,
  noseWingLeft: 44,
  /** Width across the cheeks beside the mouth (207 + 216 to 427 + 436, head x): grows when they puff. */
  cheekWidth: 45,
  /** Inner-lip gap over the inner mouth width (78-308, 3D), unitless: near 1 for a round opening. */
  mouthOpeningAspect: 46,
} as const;

export const RAW_METRIC_COUNT = 47;

export type RawMetricName = keyof typeof RAW;

/** Fraction of the inner-lip opening by which the mouth corners drop with the jaw. */
export const CORNER_JAW_FOLLOW = 0.3;

const lx = (loc: Float64Array, i: number): number => loc[i * 3];
const ly = (loc: Float64Array, i: number): number => loc[i * 3 + 1];
const lz = (loc: Float64Array, i: number): number => loc[i * 3 + 2];

function dist3(loc: Float64Array, a: number, b: number): number {
  return Math.hypot(loc[a * 3] - loc[b * 3], loc[a * 3 + 1] - loc[b * 3 + 1], loc[a * 3 + 2] - loc[b * 3 + 2]);
}

/** Eye aspect ratio in the head frame: mean vertical lid gap over corner-to-corner width. */
export function eyeAspectRatio(loc: Float64Array, eye: EyeIndices): number {
  let gap = 0;
  for (let k = 0; k < eye.upper.length; k++) gap += ly(loc, eye.lower[k]) - ly(loc, eye.upper[k]);
  gap /= eye.upper.length;
  return Math.max(0, gap) / Math.max(1e-9, dist3(loc, eye.outer, eye.inner));
}

/** Lower lid depth below the corners' line over eye width (squinting raises the lower lid). */
export function lowerLidDepth(loc: Float64Array, eye: EyeIndices): number {
  let lower = 0;
  for (let k = 0; k < eye.lower.length; k++) lower += ly(loc, eye.lower[k]);
  lower /= eye.lower.length;
  const corners = (ly(loc, eye.outer) + ly(loc, eye.inner)) / 2;
  return (lower - corners) / Math.max(1e-9, dist3(loc, eye.outer, eye.inner));
}

/** Mean inner-lip gap along head y, IOD. */
export function lipGap(loc: Float64Array): number {
  let gap = 0;
  for (let k = 0; k < LIPS.innerUpper.length; k++) gap += ly(loc, LIPS.innerLower[k]) - ly(loc, LIPS.innerUpper[k]);
  return Math.max(0, gap / LIPS.innerUpper.length);
}

/** Mouth corner to corner (3D), IOD. */
export function mouthWidth(loc: Float64Array): number {
  return dist3(loc, LIPS.cornerRight, LIPS.cornerLeft);
}

/** Brow height above its eye's corners, mean over `points`, IOD (+ = up). */
export function browHeight(loc: Float64Array, eye: EyeIndices, points: readonly number[]): number {
  const eyeY = (ly(loc, eye.outer) + ly(loc, eye.inner)) / 2;
  let y = 0;
  for (let k = 0; k < points.length; k++) y += ly(loc, points[k]);
  return eyeY - y / points.length;
}

/**
 * Iris centre offset from the eye corners' midpoint in the head frame, over the eye's 3D width:
 * out[0] along x (+ = towards the subject's left), out[1] along y (+ = down).
 */
export function irisOffset(loc: Float64Array, irisLocal: Float64Array, irisOffsetInLocal: number, eye: EyeIndices, out: Float64Array): void {
  const w = Math.max(1e-9, dist3(loc, eye.outer, eye.inner));
  out[0] = (irisLocal[irisOffsetInLocal] - (lx(loc, eye.outer) + lx(loc, eye.inner)) / 2) / w;
  out[1] = (irisLocal[irisOffsetInLocal + 1] - (ly(loc, eye.outer) + ly(loc, eye.inner)) / 2) / w;
}

const scratch2 = new Float64Array(2);

/**
 * Head-relative gaze angles of a camera-frame gaze vector (from the eyeball through the iris), in
 * degrees, written to out[0] (yaw, + = subject's left) and out[1] (pitch, + = up).
 */
export function headRelativeGaze(frame: FaceFrame, vector: ArrayLike<number>, out: Float64Array): void {
  const a = frame.axes;
  const gx = vector[0] * a[0] + vector[1] * a[1] + vector[2] * a[2];
  const gy = vector[0] * a[3] + vector[1] * a[4] + vector[2] * a[5];
  // The face looks along -z (z points into the head).
  const gf = -(vector[0] * a[6] + vector[1] * a[7] + vector[2] * a[8]);
  out[0] = (Math.atan2(gx, gf) * 180) / Math.PI;
  out[1] = (Math.atan2(-gy, Math.hypot(gx, gf)) * 180) / Math.PI;
}

export interface GazeVectors {
  /** Unit gaze vectors in the camera frame (x right, y down, z forward), e.g. TrackedFace.gaze. */
  left: { vector: ArrayLike<number> };
  right: { vector: ArrayLike<number> };
}

/**
 * Fills `out` (RAW_METRIC_COUNT) from a built frame and optional gaze vectors.
 */
export function computeRawMetrics(frame: FaceFrame, gaze: GazeVectors | undefined, out: Float64Array): Float64Array {
  const loc = frame.local;
  out[RAW.eyeOpenRight] = eyeAspectRatio(loc, RIGHT_EYE);
  out[RAW.eyeOpenLeft] = eyeAspectRatio(loc, LEFT_EYE);
  out[RAW.lowerLidRight] = lowerLidDepth(loc, RIGHT_EYE);
  out[RAW.lowerLidLeft] = lowerLidDepth(loc, LEFT_EYE);

  irisOffset(loc, frame.irisLocal, 0, RIGHT_EYE, scratch2);
  out[RAW.irisXRight] = scratch2[0];
  out[RAW.irisYRight] = scratch2[1];
  irisOffset(loc, frame.irisLocal, 3, LEFT_EYE, scratch2);
  out[RAW.irisXLeft] = scratch2[0];
  out[RAW.irisYLeft] = scratch2[1];

  out[RAW.lipGap] = lipGap(loc);
  out[RAW.mouthWidth] = mouthWidth(loc);
  out[RAW.jawDrop] = dist3(loc, FACE.noseBottom, FACE.chin);
  // Mouth-corner reference height: 30% of the way down from the upper to the lower inner lip. The
  // corners follow the jaw by about that much (measured on ../shared/data/video/cap13_edit2.mp4: the
  // corners drop 0.29 x the inner-lip opening relative to the upper lip), so opening the mouth reads
  // neither smile nor frown.
  let upperY = 0;
  let lowerY = 0;
  let lipsX = 0;
  for (let k = 0; k < LIPS.innerUpper.length; k++) {
    upperY += ly(loc, LIPS.innerUpper[k]);
    lowerY += ly(loc, LIPS.innerLower[k]);
    lipsX += lx(loc, LIPS.innerUpper[k]) + lx(loc, LIPS.innerLower[k]);
  }
  upperY /= LIPS.innerUpper.length;
  lowerY /= LIPS.innerUpper.length;
  lipsX /= 2 * LIPS.innerUpper.length;
  const lipsY = upperY + CORNER_JAW_FOLLOW * Math.max(0, lowerY - upperY);
  out[RAW.cornerUpRight] = lipsY - ly(loc, LIPS.cornerRight);
  out[RAW.cornerUpLeft] = lipsY - ly(loc, LIPS.cornerLeft);
  // The midline is x = 0 (the frame's origin is point 168 on it).
  out[RAW.cornerOutRight] = -lx(loc, LIPS.cornerRight);
  out[RAW.cornerOutLeft] = lx(loc, LIPS.cornerLeft);
  out[RAW.mouthShift] = lipsX;

  out[RAW.browRight] = browHeight(loc, RIGHT_EYE, RIGHT_BROW.points);
  out[RAW.browLeft] = browHeight(loc, LEFT_EYE, LEFT_BROW.points);
  out[RAW.browInnerRight] = browHeight(loc, RIGHT_EYE, RIGHT_BROW.inner);
  out[RAW.browInnerLeft] = browHeight(loc, LEFT_EYE, LEFT_BROW.inner);
  out[RAW.browOuterRight] = browHeight(loc, RIGHT_EYE, RIGHT_BROW.outer);
  out[RAW.browOuterLeft] = browHeight(loc, LEFT_EYE, LEFT_BROW.outer);
  out[RAW.browInnerGap] = lx(loc, innerEnd(LEFT_BROW)) - lx(loc, innerEnd(RIGHT_BROW));

  if (gaze) {
    headRelativeGaze(frame, gaze.right.vector, scratch2);
    out[RAW.gazeYawRight] = scratch2[0];
    out[RAW.gazePitchRight] = scratch2[1];
    headRelativeGaze(frame, gaze.left.vector, scratch2);
    out[RAW.gazeYawLeft] = scratch2[0];
    out[RAW.gazePitchLeft] = scratch2[1];
  } else {
    out[RAW.gazeYawRight] = out[RAW.gazeYawLeft] = out[RAW.gazePitchRight] = out[RAW.gazePitchLeft] = 0;
  }
  computeLowerFaceMetrics(loc, out);
  return out;
}

/** Mean head-y of the eye corners. */
const eyeLineY = (loc: Float64Array, eye: EyeIndices): number => (ly(loc, eye.outer) + ly(loc, eye.inner)) / 2;

/** Fills RAW.jawSide .. RAW.mouthOpeningAspect (the lower-face metrics) from local coordinates. */
export function computeLowerFaceMetrics(loc: Float64Array, out: Float64Array): void {
  const L = LOWER_FACE;
  out[RAW.jawSide] = lx(loc, FACE.chin);
  out[RAW.chinDepth] = lz(loc, FACE.chin);
  const noseY = ly(loc, FACE.noseBottom);
  const chinY = ly(loc, FACE.chin);
  out[RAW.upperLipRight] = ly(loc, L.upperOuterRight) - noseY;
  out[RAW.upperLipLeft] = ly(loc, L.upperOuterLeft) - noseY;
  out[RAW.lowerLipRight] = chinY - ly(loc, L.lowerOuterRight);
  out[RAW.lowerLipLeft] = chinY - ly(loc, L.lowerOuterLeft);
  out[RAW.upperLipThickness] = ly(loc, 13) - ly(loc, LIPS.outerUpper);
  out[RAW.lowerLipThickness] = ly(loc, LIPS.outerLower) - ly(loc, 14);
  out[RAW.sideLipsRight] = ly(loc, L.upperInnerRight) - ly(loc, L.upperOuterRight) + ly(loc, L.lowerOuterRight) - ly(loc, L.lowerInnerRight);
  out[RAW.sideLipsLeft] = ly(loc, L.upperInnerLeft) - ly(loc, L.upperOuterLeft) + ly(loc, L.lowerOuterLeft) - ly(loc, L.lowerInnerLeft);
  out[RAW.upperLipCentre] = ly(loc, LIPS.outerUpper) - noseY;
  out[RAW.lowerLipCentre] = chinY - ly(loc, LIPS.outerLower);
  const lipsZ = (lz(loc, LIPS.outerUpper) + lz(loc, LIPS.outerLower)) / 2;
  out[RAW.cornerDepthRight] = lz(loc, LIPS.cornerRight) - lipsZ;
  out[RAW.cornerDepthLeft] = lz(loc, LIPS.cornerLeft) - lipsZ;
  out[RAW.cheekRight] = (ly(loc, L.cheekRight[0]) + ly(loc, L.cheekRight[1])) / 2 - eyeLineY(loc, RIGHT_EYE);
  out[RAW.cheekLeft] = (ly(loc, L.cheekLeft[0]) + ly(loc, L.cheekLeft[1])) / 2 - eyeLineY(loc, LEFT_EYE);
  out[RAW.noseWingRight] = ly(loc, L.noseWingRight) - eyeLineY(loc, RIGHT_EYE);
  out[RAW.noseWingLeft] = ly(loc, L.noseWingLeft) - eyeLineY(loc, LEFT_EYE);
  out[RAW.cheekWidth] = (lx(loc, L.puffLeft[0]) + lx(loc, L.puffLeft[1]) - lx(loc, L.puffRight[0]) - lx(loc, L.puffRight[1])) / 2;
  out[RAW.mouthOpeningAspect] = lipGap(loc) / Math.max(1e-9, dist3(loc, L.innerCornerRight, L.innerCornerLeft));
}

function innerEnd(brow: BrowIndices): number {
  return brow.inner[brow.inner.length - 1];
}
