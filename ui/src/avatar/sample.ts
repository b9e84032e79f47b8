/**
 * AvatarSample: the few numbers the avatar rig reads, taken from a TrackingFrame.
 *
 * The avatar is a drawing of the face in the (possibly mirrored) camera image: when the subject turns
 * to their own right (yaw > 0), the face in an unmirrored image turns towards the image's left, and so
 * does the avatar's. settings.camera.mirror is the one mirror switch; the avatar adds none of its own.
 * "left"/"right" are the subject's sides, like TrackingFrame's.
 */
import type { TrackingFrame } from '../../../src/tracking/types';

export interface AvatarSample {
  /** A face is tracked; when false the other fields are meaningless (the avatar idles). */
  present: boolean;
  /** Head angles, degrees, TrackingFrame senses (yaw > 0 towards the subject's right, pitch > 0 up, roll > 0 clockwise). */
  headYaw: number;
  headPitch: number;
  headRoll: number;
  /** Head position relative to a typical sitting distance: -1..1 across the view, x right, y down (image senses). */
  leanX: number;
  leanY: number;
  /** Eye openness 0 closed .. 1 open (a little above 1: wide). */
  eyeLeft: number;
  eyeRight: number;
  /** Gaze relative to the head (eye-in-head), degrees, same senses as the head angles. */
  gazeYaw: number;
  gazePitch: number;
  mouthOpen: number;
  mouthWide: number;
  vowelA: number;
  vowelI: number;
  vowelU: number;
  vowelE: number;
  vowelO: number;
  browLeft: number;
  browRight: number;
  /** Smile 0..1 (the mean of ARKit's mouthSmileLeft/Right): an avatar pack's smiling mouth. */
  smile: number;
}

/** The numeric channels, in one fixed order: interpolation and blending loop over these. */
export const AVATAR_CHANNELS = [
  'headYaw',
  'headPitch',
  'headRoll',
  'leanX',
  'leanY',
  'eyeLeft',
  'eyeRight',
  'gazeYaw',
  'gazePitch',
  'mouthOpen',
  'mouthWide',
  'vowelA',
  'vowelI',
  'vowelU',
  'vowelE',
  'vowelO',
  'browLeft',
  'browRight',
  'smile',
] as const satisfies readonly (keyof AvatarSample)[];

export type AvatarChannel = (typeof AVATAR_CHANNELS)[number];

/** A TrackingFrame as the pose stream sends it: the heavy per-point arrays may be left out. */
export type PoseFrame = Omit<TrackingFrame, 'face'> & {
  face:
    | (Pick<NonNullable<TrackingFrame['face']>, 'pose' | 'gaze' | 'eyes' | 'mouth' | 'brows'> &
        Partial<NonNullable<TrackingFrame['face']>>)
    | null;
};

/** A relaxed face looking at the viewer, eyes open, mouth closed. */
export function neutralSample(): AvatarSample {
  return {
    present: false,
    headYaw: 0,
    headPitch: 0,
    headRoll: 0,
    leanX: 0,
    leanY: 0,
    eyeLeft: 1,
    eyeRight: 1,
    gazeYaw: 0,
    gazePitch: 0,
    mouthOpen: 0,
    mouthWide: 0.5,
    vowelA: 0,
    vowelI: 0,
    vowelU: 0,
    vowelE: 0,
    vowelO: 0,
    browLeft: 0,
    browRight: 0,
    smile: 0,
  };
}

export function copySample(from: AvatarSample, to: AvatarSample): AvatarSample {
  to.present = from.present;
  for (const c of AVATAR_CHANNELS) to[c] = from[c];
  return to;
}

/** Distance at which leanY = 0 and the scale of leanX: a person sitting at a desk, about 60 cm. */
const TYPICAL_DISTANCE_MM = 600;
/** Half the horizontal field of view covered by leanX = ±1 at the typical distance (tan 30°). */
const LEAN_HALF_VIEW = Math.tan((30 * Math.PI) / 180);

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);
const finite = (v: number, fallback: number): number => (Number.isFinite(v) ? v : fallback);

/**
 * The avatar's numbers from one tracking frame. Writes into `out` when given (no allocation per frame).
 * A frame without a face gives `present: false` and leaves the other fields of `out` as they were.
 */
export function avatarSampleFromFrame(frame: PoseFrame, out: AvatarSample = neutralSample()): AvatarSample {
  const face = frame.face;
  if (!face) {
    out.present = false;
    return out;
  }
  const pose = face.pose;
  out.present = true;
  out.headYaw = clamp(finite(pose.yaw, 0), -90, 90);
  out.headPitch = clamp(finite(pose.pitch, 0), -90, 90);
  out.headRoll = clamp(finite(pose.roll, 0), -180, 180);
  const [tx, ty, tz] = pose.translationMm;
  const z = Number.isFinite(tz) && tz > 50 ? tz : TYPICAL_DISTANCE_MM;
  // Angular offset from the optical axis, so leaning is the same at any distance.
  out.leanX = clamp(finite(tx / z, 0) / LEAN_HALF_VIEW, -1, 1);
  out.leanY = clamp(finite(ty / z, 0) / LEAN_HALF_VIEW, -1, 1);
  out.eyeLeft = clamp(finite(face.eyes.left, 1), 0, 1.3);
  out.eyeRight = clamp(finite(face.eyes.right, 1), 0, 1.3);
  // Eye-in-head: the combined gaze in the camera frame minus the head's own turn.
  out.gazeYaw = clamp(finite(face.gaze.combined.yaw - pose.yaw, 0), -45, 45);
  out.gazePitch = clamp(finite(face.gaze.combined.pitch - pose.pitch, 0), -35, 35);
  const m = face.mouth;
  out.mouthOpen = clamp(finite(m.open, 0), 0, 1);
  out.mouthWide = clamp(finite(m.wide, 0.5), 0, 1);
  out.vowelA = clamp(finite(m.vowels.a, 0), 0, 1);
  out.vowelI = clamp(finite(m.vowels.i, 0), 0, 1);
  out.vowelU = clamp(finite(m.vowels.u, 0), 0, 1);
  out.vowelE = clamp(finite(m.vowels.e, 0), 0, 1);
  out.vowelO = clamp(finite(m.vowels.o, 0), 0, 1);
  out.browLeft = clamp(finite(face.brows.left, 0), 0, 1);
  out.browRight = clamp(finite(face.brows.right, 0), 0, 1);
  const shapes = face.blendshapes ?? {};
  out.smile = clamp(finite(((shapes.mouthSmileLeft ?? 0) + (shapes.mouthSmileRight ?? 0)) / 2, 0), 0, 1);
  return out;
}
