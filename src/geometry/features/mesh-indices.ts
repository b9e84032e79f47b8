/**
 * FaceMesh (MediaPipe 468-point topology) indices used by the expression features, on the SUBJECT's
 * sides: the right eye is image-left in an unmirrored frame. Checked against the named regions of the
 * mesh (rightEyeUpper0 / rightEyeLower0 / rightEyebrowUpper / lipsUpperInner ... in MediaPipe's and
 * @vladmandic/human's annotations) and against the canonical face model's coordinates (x of index 33
 * is negative = subject's right).
 */

export interface EyeIndices {
  /** Corner away from the nose. */
  outer: number;
  /** Corner at the nose. */
  inner: number;
  /** Upper lid points, outer to inner, each paired with the lower lid point below it. */
  upper: readonly number[];
  lower: readonly number[];
}

export interface BrowIndices {
  /** Upper edge of the brow, outer (temple) to inner (nose). */
  points: readonly number[];
  outer: readonly number[];
  inner: readonly number[];
}

export const RIGHT_EYE: EyeIndices = { outer: 33, inner: 133, upper: [160, 159, 158], lower: [144, 145, 153] };
export const LEFT_EYE: EyeIndices = { outer: 263, inner: 362, upper: [387, 386, 385], lower: [373, 374, 380] };

export const RIGHT_BROW: BrowIndices = { points: [70, 63, 105, 66, 107], outer: [70, 63], inner: [66, 107] };
export const LEFT_BROW: BrowIndices = { points: [300, 293, 334, 296, 336], outer: [300, 293], inner: [296, 336] };

export const LIPS = {
  /** Outer mouth corners: subject's right, subject's left. */
  cornerRight: 61,
  cornerLeft: 291,
  /** Inner lip contour, upper and lower, paired top/bottom (right of centre, centre, left of centre). */
  innerUpper: [82, 13, 312] as readonly number[],
  innerLower: [87, 14, 317] as readonly number[],
  outerUpper: 0,
  outerLower: 17,
} as const;

export const FACE = {
  /** Between the eyes, on the nose bridge: does not move with expressions. */
  midEyes: 168,
  /** Bottom of the nose (subnasale). */
  noseBottom: 2,
  noseTip: 1,
  chin: 152,
} as const;

/** Iris input layout (10 x 2): right eye centre + 4 edge points, then left eye centre + 4 edge points. */
export const IRIS_RIGHT_CENTRE = 0;
export const IRIS_LEFT_CENTRE = 5;
