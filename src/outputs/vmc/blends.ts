/**
 * The VRM 0.x preset blend shapes every VMC receiver knows, from a tracked face. Sides are the
 * subject's (Blink_L closes the avatar's left eye when the user closes their left eye), matching the
 * anatomical head mapping in unity.ts and ARKit's naming.
 *
 * - A I U E O: the lip-sync vowel weights (MouthState.vowels).
 * - Blink_L / Blink_R: 1 - eye openness (EyeState), so a calibrated open eye sends 0.
 * - Joy and Fun split the smile (mean of mouthSmileLeft/Right) between them: VRM's Joy is the
 *   closed-eye laugh, Fun the open-eye smile, so the share going to Joy is how closed the eyes are
 *   (the larger of mean eyeSquint and mean eyeBlink). Joy + Fun = smile: never a doubled smile.
 * - Angry: lowered brows (max of browDownLeft/Right), faded out by a smile.
 * - Sorrow: the larger of the mean mouth frown and the "sad brow" (browInnerUp beyond the outer
 *   brows' raise), faded out by a smile.
 */

import type { TrackedFace } from '../../tracking/types';

export const VRM0_BLEND_NAMES = ['A', 'I', 'U', 'E', 'O', 'Blink_L', 'Blink_R', 'Joy', 'Angry', 'Sorrow', 'Fun'] as const;
export type Vrm0BlendName = (typeof VRM0_BLEND_NAMES)[number];

const clamp01 = (v: number): number => (v > 0 ? (v < 1 ? v : 1) : 0); // NaN -> 0

/** Fills `out` (length 11, VRM0_BLEND_NAMES order) from the face. */
export function vrm0Blends(face: TrackedFace, out: Float64Array = new Float64Array(VRM0_BLEND_NAMES.length)): Float64Array {
  const b = face.blendshapes;
  const g = (name: string): number => clamp01(b[name] ?? 0);
  const v = face.mouth.vowels;
  out[0] = clamp01(v.a);
  out[1] = clamp01(v.i);
  out[2] = clamp01(v.u);
  out[3] = clamp01(v.e);
  out[4] = clamp01(v.o);
  out[5] = clamp01(1 - face.eyes.left);
  out[6] = clamp01(1 - face.eyes.right);
  const smile = (g('mouthSmileLeft') + g('mouthSmileRight')) / 2;
  const closed = Math.max((g('eyeSquintLeft') + g('eyeSquintRight')) / 2, (g('eyeBlinkLeft') + g('eyeBlinkRight')) / 2);
  const notSmiling = 1 - smile;
  out[7] = smile * closed; // Joy
  out[8] = Math.max(g('browDownLeft'), g('browDownRight')) * notSmiling; // Angry
  const sadBrow = g('browInnerUp') - (g('browOuterUpLeft') + g('browOuterUpRight')) / 2;
  const frown = (g('mouthFrownLeft') + g('mouthFrownRight')) / 2;
  out[9] = clamp01(Math.max(frown, sadBrow)) * notSmiling; // Sorrow
  out[10] = smile * (1 - closed); // Fun
  return out;
}
