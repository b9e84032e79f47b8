/**
 * The demo's choreography, as data, and the ground truth it implies for every frame.
 *
 * The face is moved in the image plane only (the photo is flat): translation, roll, scale, leaving
 * the frame, and an opaque panel sliding over it. There is no yaw or pitch. The script exercises
 * detection (start), tracking under motion, roll and scale, loss (face gone out of frame, then
 * covered) and re-detection (it comes back from the other side, then from under the panel).
 *
 * Keyframes are in normalised units so any output size works: x, y = where the face centre is, as a
 * fraction of the frame width/height; size = eye distance (iris to iris) as a fraction of the frame
 * height; roll in degrees (image convention: positive turns clockwise on screen); cover = left edge
 * of the panel as a fraction of the width (>= 1: off screen). Between keyframes values ease in and
 * out (smoothstep), so the face stops at each key. Two keys at the same time make a jump.
 * The last key equals the first, so a loop is seamless.
 */
export interface DemoKeyframe {
  readonly t: number;
  readonly x: number;
  readonly y: number;
  readonly size: number;
  readonly roll: number;
  readonly cover: number;
}

const K = (t: number, x: number, y: number, size: number, roll: number, cover: number): DemoKeyframe => ({ t, x, y, size, roll, cover });

export const DEMO_KEYFRAMES: readonly DemoKeyframe[] = [
  K(0.0, 0.5, 0.5, 0.15, 0, 1.2), // still, centred: the first detection
  K(1.5, 0.5, 0.5, 0.15, 0, 1.2),
  K(3.0, 0.3, 0.42, 0.15, 0, 1.2), // drift left and up
  K(4.0, 0.7, 0.58, 0.15, 0, 1.2), // across to the right and down
  K(5.0, 0.5, 0.5, 0.15, 0, 1.2),
  K(6.0, 0.5, 0.5, 0.15, 30, 1.2), // roll one way
  K(7.0, 0.5, 0.5, 0.15, -30, 1.2), // and the other
  K(8.0, 0.5, 0.5, 0.15, 0, 1.2),
  K(9.0, 0.5, 0.5, 0.25, 0, 1.2), // lean in
  K(10.0, 0.5, 0.5, 0.1, 0, 1.2), // lean back
  K(11.0, 0.5, 0.5, 0.15, 0, 1.2),
  K(12.0, 1.4, 0.5, 0.15, 0, 1.2), // out to the right: lost
  K(13.0, 1.4, 0.5, 0.15, 0, 1.2), // gone for a second
  K(13.0, -0.4, 0.5, 0.15, 0, 1.2), // (jump, unseen)
  K(14.5, 0.5, 0.5, 0.15, 0, 1.2), // back in from the left: re-detected
  K(15.5, 0.5, 0.5, 0.15, 0, 1.2),
  K(16.5, 0.5, 0.5, 0.15, 0, 0.2), // a panel slides over the face
  K(17.5, 0.5, 0.5, 0.15, 0, 0.2), // fully covered
  K(18.5, 0.5, 0.5, 0.15, 0, 1.2), // uncovered: re-detected
  K(19.5, 0.5, 0.5, 0.15, 0, 1.2),
];

/** Seconds in one pass of the script. */
export const DEMO_DURATION_S = DEMO_KEYFRAMES[DEMO_KEYFRAMES.length - 1].t;

/** Width of the covering panel, fraction of the frame width; it spans the full height. */
export const DEMO_COVER_WIDTH = 0.6;

/** The face region used for visibility, in eye distances around the face centre (upright face). */
export const DEMO_FACE_HALF_WIDTH = 1.0;
export const DEMO_FACE_HALF_HEIGHT = 1.3;

export interface DemoFrameSize {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
}

/** Pose of the face in one output frame, pixels. */
export interface DemoPose {
  /** Face centre (the point the script moves), output pixels. */
  readonly centerX: number;
  readonly centerY: number;
  /** Iris-to-iris distance, output pixels. */
  readonly eyeDistance: number;
  /** Roll, radians, image convention. */
  readonly roll: number;
  /** Panel's left edge, output pixels (>= width: not visible). */
  readonly coverLeft: number;
  readonly coverRight: number;
}

export type DemoVisibility = 'visible' | 'partial' | 'absent';

/** What a perfect tracker would report for one frame. */
export interface DemoTruth extends DemoPose {
  readonly index: number;
  readonly timeMs: number;
  /** Iris centres in output pixels: the image-left eye (her right) and the image-right eye. */
  readonly eyeLeft: readonly [number, number];
  readonly eyeRight: readonly [number, number];
  /** Share of the face region (see DEMO_FACE_HALF_*) inside the frame and not under the panel, 0..1. */
  readonly visibleFraction: number;
  /** visible: >= 0.9 of the face shows; absent: < 0.02 (nothing to find); partial otherwise. */
  readonly visibility: DemoVisibility;
}

function smoothstep(u: number): number {
  return u * u * (3 - 2 * u);
}

/** The pose at `seconds` into the script (wrapped into one pass), for an output of `size`. */
export function demoPoseAt(seconds: number, size: DemoFrameSize): DemoPose {
  const t = ((seconds % DEMO_DURATION_S) + DEMO_DURATION_S) % DEMO_DURATION_S;
  let k = 0;
  // The last key whose time is <= t (so of two keys at one time, the later wins: a jump).
  while (k + 1 < DEMO_KEYFRAMES.length && DEMO_KEYFRAMES[k + 1].t <= t) k++;
  const a = DEMO_KEYFRAMES[k];
  const b = DEMO_KEYFRAMES[Math.min(k + 1, DEMO_KEYFRAMES.length - 1)];
  const u = b.t > a.t ? smoothstep((t - a.t) / (b.t - a.t)) : 0;
  const mix = (p: number, q: number): number => p + (q - p) * u;
  const coverLeft = mix(a.cover, b.cover) * size.width;
  return {
    centerX: mix(a.x, b.x) * size.width,
    centerY: mix(a.y, b.y) * size.height,
    eyeDistance: mix(a.size, b.size) * size.height,
    roll: (mix(a.roll, b.roll) * Math.PI) / 180,
    coverLeft,
    coverRight: coverLeft + DEMO_COVER_WIDTH * size.width,
  };
}

/**
 * Where the demo face's reference points land for a pose: a face-frame point (dx, dy) in eye
 * distances from the face centre, upright face, → output pixels.
 */
export function faceToFrame(pose: DemoPose, dx: number, dy: number): [number, number] {
  const c = Math.cos(pose.roll);
  const s = Math.sin(pose.roll);
  const px = dx * pose.eyeDistance;
  const py = dy * pose.eyeDistance;
  return [pose.centerX + c * px - s * py, pose.centerY + s * px + c * py];
}

/**
 * The face centre, in eye distances from the eye midpoint along the upright face's down axis.
 * Chosen near the nose tip so the face region (DEMO_FACE_HALF_*) spans brows to chin.
 */
export const DEMO_CENTER_BELOW_EYES = 0.55;

/** The iris centres in the upright face frame (eye distances from the face centre). */
function eyeOffsets(): { left: [number, number]; right: [number, number] } {
  return { left: [-0.5, -DEMO_CENTER_BELOW_EYES], right: [0.5, -DEMO_CENTER_BELOW_EYES] };
}

const VIS_GRID = 16;

/** Ground truth for frame `index` of a demo rendered at `size`. Pure: no image needed. */
export function demoGroundTruth(index: number, size: DemoFrameSize): DemoTruth {
  const pose = demoPoseAt(index / size.fps, size);
  const eyes = eyeOffsets();
  let inside = 0;
  let total = 0;
  for (let j = 0; j < VIS_GRID; j++) {
    for (let i = 0; i < VIS_GRID; i++) {
      const u = ((i + 0.5) / VIS_GRID) * 2 - 1;
      const v = ((j + 0.5) / VIS_GRID) * 2 - 1;
      if (u * u + v * v > 1) continue; // ellipse
      total++;
      const [x, y] = faceToFrame(pose, u * DEMO_FACE_HALF_WIDTH, v * DEMO_FACE_HALF_HEIGHT);
      const onScreen = x >= 0 && x < size.width && y >= 0 && y < size.height;
      const covered = x >= pose.coverLeft && x < pose.coverRight;
      if (onScreen && !covered) inside++;
    }
  }
  const visibleFraction = inside / total;
  return {
    ...pose,
    index,
    timeMs: (index * 1000) / size.fps,
    eyeLeft: faceToFrame(pose, ...eyes.left),
    eyeRight: faceToFrame(pose, ...eyes.right),
    visibleFraction,
    visibility: visibleFraction >= 0.9 ? 'visible' : visibleFraction < 0.02 ? 'absent' : 'partial',
  };
}

/** Frames in one pass of the script at `fps`. */
export function demoFramesPerPass(fps: number): number {
  return Math.round(DEMO_DURATION_S * fps);
}
