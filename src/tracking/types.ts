/**
 * TrackingFrame: the one contract between the tracker and every output (CLI, network, UI).
 *
 * Units and frames, written once:
 * - Image coordinates: pixels of the source frame, origin at the top-left, x right, y down.
 *   Landmark z is the mesh model's relative depth, scaled like x (pixels), smaller = nearer the camera.
 * - Camera frame (translation, gaze vectors): millimetres, x right, y down, z forward (into the scene),
 *   the OpenCV convention. The head model's own axes (geometry/face-model.ts): x towards the
 *   subject's left, y down (towards the chin), z backwards into the head, so a face looking straight into
 *   the camera has the identity rotation.
 * - Angles: degrees. Head yaw/pitch/roll follow the AFLW2000-3D labels' convention
 *   R = Rx(-pitch) Ry(yaw) Rz(roll) in the camera frame: yaw > 0 when the subject turns to their own right
 *   (face towards the image's left), pitch > 0 looking up, roll > 0 head tilted clockwise in the image
 *   (geometry/pose.ts). Gaze yaw/pitch use the same senses.
 * - Quaternion [w, x, y, z] rotates head-model coordinates into the camera frame.
 * - Eye openness, mouth, brows, vowels and blend shapes: 0..1 unless stated.
 * - "left"/"right" are the subject's own left and right (as ARKit names them), not the image's.
 */

export type Vec2 = [number, number];
export type Vec3 = [number, number, number];

export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
  /** [w, x, y, z], head model to camera. */
  quaternion: [number, number, number, number];
  translationMm: Vec3;
  /** RMS reprojection error of the fitted model points, in pixels. */
  reprojectionPx: number;
}

export interface EyeGaze {
  /** Unit vector in the camera frame, from the eyeball centre through the iris centre. */
  vector: Vec3;
  /**
   * Degrees, camera frame; same senses as the head's angles: yaw positive when the eye turns to the
   * subject's right (towards the image's left, camera -x), pitch positive upwards; 0, 0 = along the
   * camera's optical axis towards the camera, i.e. vector (0, 0, -1).
   */
  yaw: number;
  pitch: number;
}

export interface Gaze {
  left: EyeGaze;
  right: EyeGaze;
  /** Both eyes combined. */
  combined: EyeGaze;
}

export interface EyeState {
  /** 0 closed .. 1 open (neutral calibration = 1). */
  left: number;
  right: number;
}

export interface MouthState {
  /** 0 closed .. 1 wide open. */
  open: number;
  /** 0 narrow (pucker) .. 1 wide (smile/stretch). */
  wide: number;
  /** Vowel weights for lip sync, each 0..1. */
  vowels: { a: number; i: number; u: number; e: number; o: number };
}

export interface BrowState {
  /** 0 neutral or lowered .. 1 fully raised. */
  left: number;
  right: number;
}

export interface TrackedFace {
  /** Mesh face-presence score, 0..1. */
  score: number;
  /** Axis-aligned bounding box of the mesh, [x, y, w, h] in pixels. */
  box: [number, number, number, number];
  /** 468 mesh points, [x, y, z] in pixels. */
  landmarks: Vec3[];
  /** 10 iris points: right eye centre + 4 edge points, then left eye centre + 4 edge points (subject's sides). */
  iris: Vec2[];
  /** The 68 iBUG points taken from the mesh by a fixed table (geometry/landmarks68.ts). */
  landmarks68: Vec2[];
  pose: HeadPose;
  gaze: Gaze;
  eyes: EyeState;
  mouth: MouthState;
  brows: BrowState;
  /** ARKit-named blend shapes, 0..1. */
  blendshapes: Record<string, number>;
}

export interface TrackingFrame {
  /** Where the frame came from: a file path, a device name, "demo". */
  source: string;
  /** 0-based index of the frame in its source. */
  frame: number;
  /** Capture timestamp, milliseconds (source clock: media time for files, monotonic for cameras). */
  timeMs: number;
  width: number;
  height: number;
  /** null when no face is tracked in this frame. */
  face: TrackedFace | null;
}
