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

/**
 * Lower-face points for the shapes beyond the first 31, subject's sides (checked against the canonical
 * model: x < 0 is the subject's right). Lip points "beside the centre" are the second ones out from the
 * midline on lipsUpperOuter (39 / 269), lipsUpperInner (81 / 311), lipsLowerInner (178 / 402) and
 * lipsLowerOuter (181 / 405), so each upper/inner/outer set lines up vertically.
 */
export const LOWER_FACE = {
  upperOuterRight: 39,
  upperOuterLeft: 269,
  upperInnerRight: 81,
  upperInnerLeft: 311,
  lowerInnerRight: 178,
  lowerInnerLeft: 402,
  lowerOuterRight: 181,
  lowerOuterLeft: 405,
  /** Inner mouth corners (lipsUpperInner / lipsLowerInner ends). */
  innerCornerRight: 78,
  innerCornerLeft: 308,
  /** Upper cheek, below the lower lid (on the cheekbone). */
  cheekRight: [118, 101] as readonly number[],
  cheekLeft: [347, 330] as readonly number[],
  /** Outer edge of the nose wing (ala). */
  noseWingRight: 64,
  noseWingLeft: 294,
  /** Cheek surface beside the mouth corners. */
  puffRight: [207, 216] as readonly number[],
  puffLeft: [427, 436] as readonly number[],
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
