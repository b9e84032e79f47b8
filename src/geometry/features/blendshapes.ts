/**
 * ARKit-named blend shapes from raw metrics, relative to the neutral calibration. "Left"/"Right" are
 * the subject's sides, as in ARKit.
 */

import { RAW } from './raw-metrics';
import type { FeatureRanges } from './ranges';

export const BLENDSHAPE_NAMES = [
  'eyeBlinkLeft',
  'eyeBlinkRight',
  'eyeWideLeft',
  'eyeWideRight',
  'eyeSquintLeft',
  'eyeSquintRight',
  'eyeLookInLeft',
  'eyeLookInRight',
  'eyeLookOutLeft',
  'eyeLookOutRight',
  'eyeLookUpLeft',
  'eyeLookUpRight',
  'eyeLookDownLeft',
  'eyeLookDownRight',
  'jawOpen',
  'mouthClose',
  'mouthFunnel',
  'mouthPucker',
  'mouthSmileLeft',
  'mouthSmileRight',
  'mouthFrownLeft',
  'mouthFrownRight',
  'mouthStretchLeft',
  'mouthStretchRight',
  'mouthLeft',
  'mouthRight',
  'browDownLeft',
  'browDownRight',
  'browInnerUp',
  'browOuterUpLeft',
  'browOuterUpRight',
  // The other 21 of ARKit's 52, appended so the first 31 keep their indices.
  'jawForward',
  'jawLeft',
  'jawRight',
  'mouthRollLower',
  'mouthRollUpper',
  'mouthShrugLower',
  'mouthShrugUpper',
  'mouthPressLeft',
  'mouthPressRight',
  'mouthLowerDownLeft',
  'mouthLowerDownRight',
  'mouthUpperUpLeft',
  'mouthUpperUpRight',
  'mouthDimpleLeft',
  'mouthDimpleRight',
  'cheekPuff',
  'cheekSquintLeft',
  'cheekSquintRight',
  'noseSneerLeft',
  'noseSneerRight',
  'tongueOut',
] as const;

export type BlendshapeName = (typeof BLENDSHAPE_NAMES)[number];

/**
 * Where each shape comes from. Every shape not listed is MEASURED from the mesh (or the iris / gaze)
 * against the neutral. ESTIMATED: cheekPuff (the cheeks' width beside the mouth, counted only with the
 * lips together and no smile; the mesh follows the skin and cannot see air in the mouth). CONSTANT:
 * tongueOut = 0 (the mesh has no tongue).
 */
export const ESTIMATED_BLENDSHAPES: readonly BlendshapeName[] = ['cheekPuff'];
export const CONSTANT_BLENDSHAPES: Readonly<Partial<Record<BlendshapeName, number>>> = { tongueOut: 0 };

/** Index of each blend shape in the values array. */
export const BS = Object.fromEntries(BLENDSHAPE_NAMES.map((n, i) => [n, i])) as { readonly [K in BlendshapeName]: number };

export const BLENDSHAPE_COUNT = BLENDSHAPE_NAMES.length;

export const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Eye openness 0..1 from the aspect ratio relative to neutral (neutral = 1). */
export function eyeOpenness(ear: number, neutralEar: number, r: FeatureRanges): number {
  const ratio = ear / Math.max(1e-9, neutralEar);
  return clamp01((ratio - r.eyeClosedRatio) / (1 - r.eyeClosedRatio));
}

/** eyeWide 0..1: aspect ratio above neutral, full at eyeWideRatio x neutral. */
export function eyeWide(ear: number, neutralEar: number, r: FeatureRanges): number {
  return clamp01((ear / Math.max(1e-9, neutralEar) - 1) / (r.eyeWideRatio - 1));
}

/** eyeSquint 0..1: the lower lid risen towards the corners' line, full at squintFraction of its neutral depth. */
export function eyeSquint(depth: number, neutralDepth: number, r: FeatureRanges): number {
  return neutralDepth > 1e-9 ? clamp01((1 - depth / neutralDepth) / r.squintFraction) : 0;
}

/** Mouth-derived values other outputs reuse (MouthState, vowels). */
export interface MouthShape {
  open: number;
  /** 0 pucker .. 0.5 neutral .. 1 wide. */
  wide: number;
  /** How much wider / narrower than neutral, 0..1 each. */
  spread: number;
  round: number;
}

export function mouthShape(raw: Float64Array, n: Float64Array, r: FeatureRanges, out: MouthShape): MouthShape {
  out.open = clamp01((raw[RAW.lipGap] - n[RAW.lipGap]) / r.mouthOpen);
  const widthChange = raw[RAW.mouthWidth] / Math.max(1e-9, n[RAW.mouthWidth]) - 1;
  out.wide = clamp01(0.5 + widthChange / (2 * r.mouthWidth));
  out.spread = clamp01(widthChange / r.mouthWidth);
  out.round = clamp01(-widthChange / r.mouthWidth);
  return out;
}

/**
 * Fills `out` (BLENDSHAPE_COUNT) from raw metrics `raw`, neutral metrics `n` and the mouth shape.
 * `useGaze`: take eyeLook* from the gaze angles instead of the iris offsets.
 */
export function computeBlendshapes(raw: Float64Array, n: Float64Array, r: FeatureRanges, mouth: MouthShape, useGaze: boolean, out: Float32Array): Float32Array {
  // Eyes
  const openL = eyeOpenness(raw[RAW.eyeOpenLeft], n[RAW.eyeOpenLeft], r);
  const openR = eyeOpenness(raw[RAW.eyeOpenRight], n[RAW.eyeOpenRight], r);
  out[BS.eyeBlinkLeft] = 1 - openL;
  out[BS.eyeBlinkRight] = 1 - openR;
  out[BS.eyeWideLeft] = eyeWide(raw[RAW.eyeOpenLeft], n[RAW.eyeOpenLeft], r);
  out[BS.eyeWideRight] = eyeWide(raw[RAW.eyeOpenRight], n[RAW.eyeOpenRight], r);
  out[BS.eyeSquintLeft] = eyeSquint(raw[RAW.lowerLidLeft], n[RAW.lowerLidLeft], r);
  out[BS.eyeSquintRight] = eyeSquint(raw[RAW.lowerLidRight], n[RAW.lowerLidRight], r);

  // Gaze: "towards the subject's left" (h > 0) is OUT for the left eye and IN for the right eye.
  let hL: number, hR: number, upL: number, upR: number, downL: number, downR: number;
  if (useGaze) {
    hL = (raw[RAW.gazeYawLeft] - n[RAW.gazeYawLeft]) / r.gazeLookHorizontalDeg;
    hR = (raw[RAW.gazeYawRight] - n[RAW.gazeYawRight]) / r.gazeLookHorizontalDeg;
    const pL = raw[RAW.gazePitchLeft] - n[RAW.gazePitchLeft];
    const pR = raw[RAW.gazePitchRight] - n[RAW.gazePitchRight];
    upL = pL / r.gazeLookUpDeg;
    upR = pR / r.gazeLookUpDeg;
    downL = -pL / r.gazeLookDownDeg;
    downR = -pR / r.gazeLookDownDeg;
  } else {
    hL = (raw[RAW.irisXLeft] - n[RAW.irisXLeft]) / r.irisLookHorizontal;
    hR = (raw[RAW.irisXRight] - n[RAW.irisXRight]) / r.irisLookHorizontal;
    const vL = raw[RAW.irisYLeft] - n[RAW.irisYLeft]; // + = down
    const vR = raw[RAW.irisYRight] - n[RAW.irisYRight];
    upL = -vL / r.irisLookUp;
    upR = -vR / r.irisLookUp;
    downL = vL / r.irisLookDown;
    downR = vR / r.irisLookDown;
  }
  out[BS.eyeLookOutLeft] = clamp01(hL);
  out[BS.eyeLookInLeft] = clamp01(-hL);
  out[BS.eyeLookInRight] = clamp01(hR);
  out[BS.eyeLookOutRight] = clamp01(-hR);
  out[BS.eyeLookUpLeft] = clamp01(upL);
  out[BS.eyeLookUpRight] = clamp01(upR);
  out[BS.eyeLookDownLeft] = clamp01(downL);
  out[BS.eyeLookDownRight] = clamp01(downR);

  // Mouth
  const jaw = clamp01((raw[RAW.jawDrop] / Math.max(1e-9, n[RAW.jawDrop]) - 1) / r.jawOpen);
  out[BS.jawOpen] = jaw;
  // Jaw dropped but lips still together.
  out[BS.mouthClose] = clamp01(jaw - mouth.open);
  // A narrowed mouth with the lips together is a pucker. A funnel is read from the opening's shape
  // (round rather than wide), which needs no neutral: the narrowing-with-lips-apart it used to be read
  // from never rose on real video, as an uncalibrated closed mouth is both wider and more shut than
  // the canonical face's.
  const lipsApart = clamp01(mouth.open / 0.3);
  out[BS.mouthFunnel] = clamp01((raw[RAW.mouthOpeningAspect] - r.funnelAspectStart) / (r.funnelAspectFull - r.funnelAspectStart));
  out[BS.mouthPucker] = mouth.round * (1 - lipsApart);
  const upL2 = raw[RAW.cornerUpLeft] - n[RAW.cornerUpLeft];
  const upR2 = raw[RAW.cornerUpRight] - n[RAW.cornerUpRight];
  const smileL = clamp01(upL2 / r.smile);
  const smileR = clamp01(upR2 / r.smile);
  out[BS.mouthSmileLeft] = smileL;
  out[BS.mouthSmileRight] = smileR;
  out[BS.mouthFrownLeft] = clamp01(-upL2 / r.frown);
  out[BS.mouthFrownRight] = clamp01(-upR2 / r.frown);
  // Sideways pull without the lift of a smile.
  const outL = raw[RAW.cornerOutLeft] / Math.max(1e-9, n[RAW.cornerOutLeft]) - 1;
  const outR = raw[RAW.cornerOutRight] / Math.max(1e-9, n[RAW.cornerOutRight]) - 1;
  out[BS.mouthStretchLeft] = clamp01(outL / r.stretch) * (1 - smileL);
  out[BS.mouthStretchRight] = clamp01(outR / r.stretch) * (1 - smileR);
  const shift = (raw[RAW.mouthShift] - n[RAW.mouthShift]) / r.mouthShift;
  out[BS.mouthLeft] = clamp01(shift);
  out[BS.mouthRight] = clamp01(-shift);

  // Brows
  const squeeze = clamp01((n[RAW.browInnerGap] - raw[RAW.browInnerGap]) / r.browSqueeze);
  out[BS.browDownLeft] = Math.max(clamp01((n[RAW.browLeft] - raw[RAW.browLeft]) / r.browLower), squeeze);
  out[BS.browDownRight] = Math.max(clamp01((n[RAW.browRight] - raw[RAW.browRight]) / r.browLower), squeeze);
  const innerUp = (raw[RAW.browInnerLeft] - n[RAW.browInnerLeft] + raw[RAW.browInnerRight] - n[RAW.browInnerRight]) / 2;
  out[BS.browInnerUp] = clamp01(innerUp / r.browRaise);
  out[BS.browOuterUpLeft] = clamp01((raw[RAW.browOuterLeft] - n[RAW.browOuterLeft]) / r.browRaise);
  out[BS.browOuterUpRight] = clamp01((raw[RAW.browOuterRight] - n[RAW.browOuterRight]) / r.browRaise);

  lowerFaceShapes(raw, n, r, mouth, out);
  return out;
}

/** Movement of raw metric `k` from neutral towards `sign` (+1 growth, -1 shrinking), over `range`, 0..1. */
const towards = (raw: Float64Array, n: Float64Array, k: number, sign: 1 | -1, range: number): number => clamp01((sign * (raw[k] - n[k])) / range);
/** Relative loss of raw metric `k` against neutral, over `fraction`, 0..1. */
const thinning = (raw: Float64Array, n: Float64Array, k: number, fraction: number): number => (n[k] > 1e-9 ? clamp01((1 - raw[k] / n[k]) / fraction) : 0);

/** The 21 shapes beyond the first 31 (jaw sideways/forward, lips, cheeks, nose, tongue). */
function lowerFaceShapes(raw: Float64Array, n: Float64Array, r: FeatureRanges, mouth: MouthShape, out: Float32Array): void {
  out[BS.jawLeft] = towards(raw, n, RAW.jawSide, 1, r.jawSide);
  out[BS.jawRight] = towards(raw, n, RAW.jawSide, -1, r.jawSide);
  out[BS.jawForward] = towards(raw, n, RAW.chinDepth, -1, r.jawForward);
  out[BS.mouthUpperUpLeft] = towards(raw, n, RAW.upperLipLeft, -1, r.upperLipRaise);
  out[BS.mouthUpperUpRight] = towards(raw, n, RAW.upperLipRight, -1, r.upperLipRaise);
  out[BS.mouthLowerDownLeft] = towards(raw, n, RAW.lowerLipLeft, -1, r.lowerLipDrop);
  out[BS.mouthLowerDownRight] = towards(raw, n, RAW.lowerLipRight, -1, r.lowerLipDrop);
  out[BS.mouthRollUpper] = thinning(raw, n, RAW.upperLipThickness, r.lipRoll);
  out[BS.mouthRollLower] = thinning(raw, n, RAW.lowerLipThickness, r.lipRoll);
  // Pressing is with the lips together: apart, thin lips are stretched, not pressed.
  const together = 1 - clamp01(mouth.open / 0.3);
  out[BS.mouthPressLeft] = thinning(raw, n, RAW.sideLipsLeft, r.lipPress) * together;
  out[BS.mouthPressRight] = thinning(raw, n, RAW.sideLipsRight, r.lipPress) * together;
  out[BS.mouthShrugUpper] = towards(raw, n, RAW.upperLipCentre, -1, r.lipShrug);
  out[BS.mouthShrugLower] = towards(raw, n, RAW.lowerLipCentre, 1, r.lipShrug);
  out[BS.mouthDimpleLeft] = towards(raw, n, RAW.cornerDepthLeft, 1, r.cornerBack);
  out[BS.mouthDimpleRight] = towards(raw, n, RAW.cornerDepthRight, 1, r.cornerBack);
  out[BS.cheekSquintLeft] = towards(raw, n, RAW.cheekLeft, -1, r.cheekRaise);
  out[BS.cheekSquintRight] = towards(raw, n, RAW.cheekRight, -1, r.cheekRaise);
  out[BS.noseSneerLeft] = towards(raw, n, RAW.noseWingLeft, -1, r.noseWingRaise);
  out[BS.noseSneerRight] = towards(raw, n, RAW.noseWingRight, -1, r.noseWingRaise);
  // Puffing needs sealed lips, and a smile widens the cheeks too: only wider cheeks with the lips
  // together and no smile count (an estimate: the mesh's cheek points follow the skin, not the air).
  const smile = Math.max(out[BS.mouthSmileLeft], out[BS.mouthSmileRight]);
  const wider = n[RAW.cheekWidth] > 1e-9 ? clamp01((raw[RAW.cheekWidth] / n[RAW.cheekWidth] - 1) / r.cheekPuff) : 0;
  out[BS.cheekPuff] = wider * together * (1 - smile);
  // The mesh has no tongue.
  out[BS.tongueOut] = 0;
}

/** Copies blend-shape values into a name -> value record (reuse the record to avoid allocation). */
export function blendshapesToRecord(values: Float32Array, out: Record<string, number> = {}): Record<string, number> {
  for (let i = 0; i < BLENDSHAPE_COUNT; i++) out[BLENDSHAPE_NAMES[i]] = values[i];
  return out;
}
