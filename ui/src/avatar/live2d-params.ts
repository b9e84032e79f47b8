/**
 * The Live2D standard parameters from an AvatarSample (pure: tested in Node, used by ./live2d-rig).
 *
 * Like the other avatars, a Live2D model is the face as the (possibly mirrored) camera image shows it.
 * Live2D's X axes point to the viewer's right and its L/R are the viewer's left/right (the PSD packs'
 * convention, src/avatar/README.md), so the subject's right eye drives ParamEyeLOpen, and a turn to
 * the subject's own right (yaw > 0) is a negative ParamAngleX. Ranges are those of Live2D's standard
 * parameter list (angles ±30, eyes and mouth 0..1, eye balls, brows and mouth form -1..1).
 */
import type { AvatarSample } from './sample';

export const LIVE2D_PARAMETERS = [
  'ParamAngleX',
  'ParamAngleY',
  'ParamAngleZ',
  'ParamBodyAngleX',
  'ParamEyeLOpen',
  'ParamEyeROpen',
  'ParamEyeBallX',
  'ParamEyeBallY',
  'ParamMouthOpenY',
  'ParamMouthForm',
  'ParamBrowLY',
  'ParamBrowRY',
] as const;
export type Live2DParameter = (typeof LIVE2D_PARAMETERS)[number];

// "+ 0" turns -0 (a negated 0) into 0.
const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v)) + 0;

export function live2dParameters(s: AvatarSample): Record<Live2DParameter, number> {
  return {
    ParamAngleX: clamp(-s.headYaw, -30, 30),
    ParamAngleY: clamp(s.headPitch, -30, 30),
    // Roll > 0 is clockwise in the image; Live2D's AngleZ > 0 tilts the head counter-clockwise.
    ParamAngleZ: clamp(-s.headRoll, -30, 30),
    ParamBodyAngleX: clamp(-s.leanX * 10, -10, 10),
    ParamEyeLOpen: clamp(s.eyeRight, 0, 1),
    ParamEyeROpen: clamp(s.eyeLeft, 0, 1),
    ParamEyeBallX: clamp(-s.gazeYaw / 30, -1, 1),
    ParamEyeBallY: clamp(s.gazePitch / 20, -1, 1),
    ParamMouthOpenY: clamp(s.mouthOpen, 0, 1),
    // 0 at rest (not smiling, half wide); a smile towards +1, a narrow (pursed) mouth towards -1.
    ParamMouthForm: clamp(s.smile * 2 + (s.mouthWide - 0.5), -1, 1),
    ParamBrowLY: clamp(s.browRight, -1, 1),
    ParamBrowRY: clamp(s.browLeft, -1, 1),
  };
}
