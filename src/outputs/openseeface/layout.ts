/**
 * The OpenSeeFace tracking packet, as facetracker.py (github.com/emilianavt/OpenSeeFace) sends it and
 * Unity/OpenSee.cs (and VSeeFace) read it: one record of 1785 bytes per face, little-endian (Python's
 * native struct packing on x86, one value per pack call, so no padding).
 *
 * Checked against facetracker.py's packing loop and tracker.py (the 66-point model, its 3D face model
 * and the feature extractor); OpenSee.cs's reader predates the 14 features and stops at byte 1729.
 */

export const OSF_DEFAULT_PORT = 11573;
export const OSF_PACKET_BYTES = 1785;

/** Byte offsets of each field. */
export const OSF = {
  time: 0, // f64: seconds (Python time.time() in facetracker.py)
  faceId: 8, // i32
  width: 12, // f32, then height at 16
  height: 16,
  rightEyeOpen: 20, // f32: eye_blink[0], 1 = open (subject's right eye)
  leftEyeOpen: 24, // f32
  success3d: 28, // u8
  pnpError: 29, // f32: RMS reprojection error, pixels
  quaternion: 33, // f32 x4: x y z w of OSF's rotation matrix (its matrix_to_quaternion)
  euler: 49, // f32 x3: cv2.RQDecomp3x3 angles, degrees
  translation: 61, // f32 x3: solvePnP tvec
  confidence: 73, // f32 x68
  points: 345, // f32 x68 x2: x, y pixels
  points3d: 889, // f32 x70 x3: x, -y, -z
  features: 1729, // f32 x14
} as const;

export const OSF_POINTS = 68;
export const OSF_POINTS_3D = 70;

/**
 * OpenSeeFace's landmark model has 66 points: the iBUG 68 without the two OUTER mouth corners (iBUG 48
 * and 54). Its lip points are iBUG 49-53 (upper outer lip), 55-59 (lower outer lip), 60-64 (upper
 * inner lip, whose ends 60 and 64 are the mouth corners it uses: mouth_wide and the corner features
 * read them) and 65-67 (lower inner lip). Seen in tracker.py's 3D model (its points 58 and 62 are the
 * widest mouth points) and its feature extractor (corners at 58/62, inner lips 59-61 and 63-65).
 * Entry i is the iBUG index (0-based) sent at OpenSeeFace point i.
 */
export const OSF66_FROM_IBUG: readonly number[] = [
  ...Array.from({ length: 48 }, (_, i) => i), // jaw, brows, nose, eyes: same order
  49, 50, 51, 52, 53, // upper outer lip, without the corner 48 and 54
  55, 56, 57, 58, 59, // lower outer lip
  60, 61, 62, 63, 64, // upper inner lip, corners included
  65, 66, 67, // lower inner lip
];

/** Points 66 and 67: pupils, right then left; 3D points 68 and 69: eyeball centres, right then left. */
export const OSF_RIGHT_PUPIL = 66;
export const OSF_LEFT_PUPIL = 67;
export const OSF_RIGHT_EYEBALL = 68;
export const OSF_LEFT_EYEBALL = 69;

/** The 14 features in packet order (facetracker.py's `features` list). `_l` is the subject's left. */
export const OSF_FEATURE_NAMES = [
  'eye_l',
  'eye_r',
  'eyebrow_steepness_l',
  'eyebrow_updown_l',
  'eyebrow_quirk_l',
  'eyebrow_steepness_r',
  'eyebrow_updown_r',
  'eyebrow_quirk_r',
  'mouth_corner_updown_l',
  'mouth_corner_inout_l',
  'mouth_corner_updown_r',
  'mouth_corner_inout_r',
  'mouth_open',
  'mouth_wide',
] as const;
