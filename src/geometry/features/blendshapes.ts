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
] as const;

export type BlendshapeName = (typeof BLENDSHAPE_NAMES)[number];

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
  // A round mouth with the lips apart is a funnel; with them together, a pucker.
  const lipsApart = clamp01(mouth.open / 0.3);
  out[BS.mouthFunnel] = mouth.round * lipsApart;
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
  return out;
}

/** Copies blend-shape values into a name -> value record (reuse the record to avoid allocation). */
export function blendshapesToRecord(values: Float32Array, out: Record<string, number> = {}): Record<string, number> {
  for (let i = 0; i < BLENDSHAPE_COUNT; i++) out[BLENDSHAPE_NAMES[i]] = values[i];
  return out;
}
