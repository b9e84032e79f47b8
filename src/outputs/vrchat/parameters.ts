/**
 * The face-tracking avatar parameters vtlink sends to VRChat, named as VRCFaceTracking v5's "unified
 * expressions" (https://docs.vrcft.io): `v2/<Name>`, under the `FT/` prefix avatars built for face
 * tracking use, so `/avatar/parameters/FT/v2/JawOpen`. Sides are the subject's own (as ARKit and
 * VRCFT name them). Values are 0..1, or -1..1 for the `signed` ones (two opposite shapes in one).
 *
 * Where each comes from (our TrackedFace: ARKit blend shapes, eye openness, gaze, head pose):
 * - Gaze `EyeLeftX/Y`, `EyeRightX/Y`, `EyeX/Y` (both eyes): VRCFT's gaze is a direction on the plane
 *   one unit ahead of the eye: x = tan(yaw), y = tan(pitch), +x the subject's right, +y up, so +-1
 *   is +-45 degrees (clamped there); VRCFT turns it back into yaw = atan(x) for VRChat's own eyes.
 * - Lids `EyeLidLeft` = openness x 0.75 + eyeWide x 0.25 (VRCFT's mix: 0.75 is a relaxed open eye),
 *   `EyeOpenLeft` = openness; `EyeLid`, `EyeOpen` the mean of both eyes.
 * - Brows: BrowInnerUp (ARKit has one, used for both sides), BrowOuterUp, BrowLowerer = browDown;
 *   VRCFT's simple and combined ones by VRCFT's formulas (BrowUp = outer x 0.6 + inner x 0.4,
 *   BrowExpression = min(1, (inner + outer) / 2) - down, -1 angry .. +1 worried).
 * - Jaw and mouth: the ARKit shape of the same meaning (jawOpen, mouthClose -> MouthClosed,
 *   mouthSmile -> MouthSmile, mouthLeft -> MouthUpperLeft and MouthLowerLeft, mouthShrugUpper ->
 *   MouthRaiserUpper, mouthRollUpper -> LipSuckUpper, mouthPucker -> LipPucker, ...); MouthSad is
 *   the larger of frown and stretch (VRCFT's), SmileSad = smile - sad, JawX = right - left.
 * - Head `Head/Yaw`, `Head/Pitch`, `Head/Roll`: VRCFT's head parameters, -1..1 for -90..90 degrees,
 *   yaw + turning to the subject's right, pitch + looking down, roll + tilting to the subject's left.
 *   The head's position is not sent: VRCFT's is relative to a user-set origin we do not have.
 *
 * The set is what our tracker measures, not VRCFT's full ~200 names: the shapes it cannot see
 * (tongue directions, nasal, throat) would only ever send zeros.
 */

import type { TrackedFace } from '../../tracking/types';

export interface FaceParameter {
  /** The VRCFT name after "v2/", e.g. "JawOpen", "Head/Yaw". */
  name: string;
  /** -1..1 (with a `Negative` bit in binary form) rather than 0..1. */
  signed: boolean;
  read(face: TrackedFace): number;
}

const clamp01 = (v: number): number => (v > 0 ? (v < 1 ? v : 1) : 0); // NaN -> 0
const clampSigned = (v: number): number => (v > -1 ? (v < 1 ? v : 1) : v <= -1 ? -1 : 0); // NaN -> 0
const shape = (face: TrackedFace, name: string): number => clamp01(face.blendshapes[name] ?? 0);
const DEG = Math.PI / 180;

const unsigned = (name: string, read: (f: TrackedFace) => number): FaceParameter => ({ name, signed: false, read: (f) => clamp01(read(f)) });
const signed = (name: string, read: (f: TrackedFace) => number): FaceParameter => ({ name, signed: true, read: (f) => clampSigned(read(f)) });
/** A 0..1 parameter that is one ARKit shape. */
const arkit = (name: string, arkitName: string): FaceParameter => unsigned(name, (f) => shape(f, arkitName));
const mean = (a: number, b: number): number => (a + b) / 2;

const eyeLid = (openness: number, wide: number): number => clamp01(openness) * 0.75 + wide * 0.25;
const browUp = (f: TrackedFace, side: 'Left' | 'Right'): number => shape(f, `browOuterUp${side}`) * 0.6 + shape(f, 'browInnerUp') * 0.4;
const browExpression = (f: TrackedFace, side: 'Left' | 'Right'): number =>
  Math.min(1, (shape(f, 'browInnerUp') + shape(f, `browOuterUp${side}`)) / 2) - shape(f, `browDown${side}`);
const mouthSad = (f: TrackedFace, side: 'Left' | 'Right'): number => Math.max(shape(f, `mouthFrown${side}`), shape(f, `mouthStretch${side}`));
const smileSad = (f: TrackedFace, side: 'Left' | 'Right'): number => shape(f, `mouthSmile${side}`) - mouthSad(f, side);

export const FACE_PARAMETERS: readonly FaceParameter[] = [
  // Eyes
  signed('EyeLeftX', (f) => Math.tan(f.gaze.left.yaw * DEG)),
  signed('EyeLeftY', (f) => Math.tan(f.gaze.left.pitch * DEG)),
  signed('EyeRightX', (f) => Math.tan(f.gaze.right.yaw * DEG)),
  signed('EyeRightY', (f) => Math.tan(f.gaze.right.pitch * DEG)),
  signed('EyeX', (f) => Math.tan(f.gaze.combined.yaw * DEG)),
  signed('EyeY', (f) => Math.tan(f.gaze.combined.pitch * DEG)),
  unsigned('EyeOpenLeft', (f) => f.eyes.left),
  unsigned('EyeOpenRight', (f) => f.eyes.right),
  unsigned('EyeOpen', (f) => mean(clamp01(f.eyes.left), clamp01(f.eyes.right))),
  unsigned('EyeLidLeft', (f) => eyeLid(f.eyes.left, shape(f, 'eyeWideLeft'))),
  unsigned('EyeLidRight', (f) => eyeLid(f.eyes.right, shape(f, 'eyeWideRight'))),
  unsigned('EyeLid', (f) => mean(eyeLid(f.eyes.left, shape(f, 'eyeWideLeft')), eyeLid(f.eyes.right, shape(f, 'eyeWideRight')))),
  arkit('EyeWideLeft', 'eyeWideLeft'),
  arkit('EyeWideRight', 'eyeWideRight'),
  arkit('EyeSquintLeft', 'eyeSquintLeft'),
  arkit('EyeSquintRight', 'eyeSquintRight'),
  // Brows
  arkit('BrowInnerUpLeft', 'browInnerUp'),
  arkit('BrowInnerUpRight', 'browInnerUp'),
  arkit('BrowOuterUpLeft', 'browOuterUpLeft'),
  arkit('BrowOuterUpRight', 'browOuterUpRight'),
  arkit('BrowLowererLeft', 'browDownLeft'),
  arkit('BrowLowererRight', 'browDownRight'),
  arkit('BrowInnerUp', 'browInnerUp'),
  unsigned('BrowOuterUp', (f) => mean(shape(f, 'browOuterUpLeft'), shape(f, 'browOuterUpRight'))),
  unsigned('BrowUpLeft', (f) => browUp(f, 'Left')),
  unsigned('BrowUpRight', (f) => browUp(f, 'Right')),
  arkit('BrowDownLeft', 'browDownLeft'),
  arkit('BrowDownRight', 'browDownRight'),
  signed('BrowExpressionLeft', (f) => browExpression(f, 'Left')),
  signed('BrowExpressionRight', (f) => browExpression(f, 'Right')),
  signed('BrowExpression', (f) => mean(browExpression(f, 'Left'), browExpression(f, 'Right'))),
  // Jaw
  arkit('JawOpen', 'jawOpen'),
  arkit('JawLeft', 'jawLeft'),
  arkit('JawRight', 'jawRight'),
  arkit('JawForward', 'jawForward'),
  signed('JawX', (f) => shape(f, 'jawRight') - shape(f, 'jawLeft')),
  arkit('MouthClosed', 'mouthClose'),
  // Mouth
  arkit('MouthSmileLeft', 'mouthSmileLeft'),
  arkit('MouthSmileRight', 'mouthSmileRight'),
  unsigned('MouthSadLeft', (f) => mouthSad(f, 'Left')),
  unsigned('MouthSadRight', (f) => mouthSad(f, 'Right')),
  signed('SmileSadLeft', (f) => smileSad(f, 'Left')),
  signed('SmileSadRight', (f) => smileSad(f, 'Right')),
  signed('SmileSad', (f) => mean(smileSad(f, 'Left'), smileSad(f, 'Right'))),
  arkit('MouthFrownLeft', 'mouthFrownLeft'),
  arkit('MouthFrownRight', 'mouthFrownRight'),
  arkit('MouthStretchLeft', 'mouthStretchLeft'),
  arkit('MouthStretchRight', 'mouthStretchRight'),
  arkit('MouthPressLeft', 'mouthPressLeft'),
  arkit('MouthPressRight', 'mouthPressRight'),
  arkit('MouthDimpleLeft', 'mouthDimpleLeft'),
  arkit('MouthDimpleRight', 'mouthDimpleRight'),
  arkit('MouthUpperUpLeft', 'mouthUpperUpLeft'),
  arkit('MouthUpperUpRight', 'mouthUpperUpRight'),
  arkit('MouthLowerDownLeft', 'mouthLowerDownLeft'),
  arkit('MouthLowerDownRight', 'mouthLowerDownRight'),
  unsigned('MouthUpperUp', (f) => mean(shape(f, 'mouthUpperUpLeft'), shape(f, 'mouthUpperUpRight'))),
  unsigned('MouthLowerDown', (f) => mean(shape(f, 'mouthLowerDownLeft'), shape(f, 'mouthLowerDownRight'))),
  arkit('MouthUpperLeft', 'mouthLeft'),
  arkit('MouthUpperRight', 'mouthRight'),
  arkit('MouthLowerLeft', 'mouthLeft'),
  arkit('MouthLowerRight', 'mouthRight'),
  signed('MouthX', (f) => shape(f, 'mouthRight') - shape(f, 'mouthLeft')),
  arkit('MouthRaiserUpper', 'mouthShrugUpper'),
  arkit('MouthRaiserLower', 'mouthShrugLower'),
  // Lips, cheeks, nose, tongue
  arkit('LipPucker', 'mouthPucker'),
  arkit('LipFunnel', 'mouthFunnel'),
  arkit('LipSuckUpper', 'mouthRollUpper'),
  arkit('LipSuckLower', 'mouthRollLower'),
  arkit('CheekPuffLeft', 'cheekPuff'),
  arkit('CheekPuffRight', 'cheekPuff'),
  arkit('CheekSquintLeft', 'cheekSquintLeft'),
  arkit('CheekSquintRight', 'cheekSquintRight'),
  arkit('NoseSneerLeft', 'noseSneerLeft'),
  arkit('NoseSneerRight', 'noseSneerRight'),
  arkit('TongueOut', 'tongueOut'),
  // Head (our pitch is + up, VRCFT's + down; our roll + is the head top towards the image's right,
  // which is the subject's left)
  signed('Head/Yaw', (f) => f.pose.yaw / 90),
  signed('Head/Pitch', (f) => -f.pose.pitch / 90),
  signed('Head/Roll', (f) => f.pose.roll / 90),
];

/**
 * VRCFT's tracking-state bools, which face-tracking avatars use to switch their own idle animations
 * off: true while a face is tracked.
 */
export const TRACKING_ACTIVE_PARAMETERS = ['EyeTrackingActive', 'LipTrackingActive'] as const;

/** The prefix avatars give their face-tracking parameters, after /avatar/parameters/. */
export const AVATAR_PARAMETER_PREFIX = '/avatar/parameters/FT/';
