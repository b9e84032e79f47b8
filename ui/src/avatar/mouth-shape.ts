/** The mouth's size from open/wide and the five vowel weights (pure: no drawing, tested in Node). */
import type { AvatarSample } from './sample';

/** Half-width of the relaxed mouth and half-height of the fully open one, pixels. */
export const HALF_WIDTH = 25;
const MAX_HALF_HEIGHT = 30;

/** Each vowel's mouth as factors of the half-width and of the opening: A open, I spread, U pursed, E half-spread, O round. */
const VOWEL_SHAPES = {
  vowelA: { w: 1.0, h: 1.0 },
  vowelI: { w: 1.3, h: 0.35 },
  vowelU: { w: 0.55, h: 0.65 },
  vowelE: { w: 1.15, h: 0.55 },
  vowelO: { w: 0.72, h: 0.9 },
} as const;
const VOWELS = Object.keys(VOWEL_SHAPES) as (keyof typeof VOWEL_SHAPES)[];

export interface MouthShape {
  halfWidth: number;
  halfHeight: number;
}

/** The mouth's size from the sample's mouth fields (pure: the tests check it). */
export function mouthShape(s: AvatarSample, out: MouthShape = { halfWidth: 0, halfHeight: 0 }): MouthShape {
  const open = Math.min(1, Math.max(0, s.mouthOpen));
  const wide = Math.min(1, Math.max(0, s.mouthWide));
  let width = 0.75 + 0.5 * wide;
  let height = 1;
  let total = 0;
  let vw = 0;
  let vh = 0;
  for (const v of VOWELS) {
    const weight = Math.min(1, Math.max(0, s[v]));
    total += weight;
    vw += weight * VOWEL_SHAPES[v].w;
    vh += weight * VOWEL_SHAPES[v].h;
  }
  if (total > 0) {
    const blend = Math.min(1, total);
    width += (vw / total - width) * blend;
    height += (vh / total - height) * blend;
  }
  out.halfWidth = HALF_WIDTH * width;
  out.halfHeight = MAX_HALF_HEIGHT * open * height;
  return out;
}

