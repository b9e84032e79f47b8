/**
 * Iris model: both eyes in one batch-2 run (MediaPipe iris_landmark_left_and_right).
 *
 * Eye ROI: centre = midpoint of the two eye corners, rotated along the corner line, side = 2.3x the
 * corner distance (MediaPipe: 2.3x the long side of the corners' box; equal for a level eye, and
 * ours does not shrink as the head rolls). Crops are 64x64, [0, 1], edge replicated. The model was
 * trained on one eye side: the subject's right eye (mesh corners 33 -> 133, image left) goes in as
 * it is, the left eye (362 -> 263) mirrored left-right, and its outputs are mirrored back.
 * Outputs per eye: 71 eye-contour points then 5 iris points (centre, then 4 edge points), x y z in
 * 64-pixel crop units.
 */
import { LEFT_EYE_CONTOUR_TO_MESH, RIGHT_EYE_CONTOUR_TO_MESH } from './eye-contour-table';
import type { FrameInput } from '../image/frame';
import { IRIS_INPUT_SIZE, irisExpectation, ZERO_TO_ONE } from './model-specs';
import type { RotatedRoi } from './roi-types';
import { ModelSession, type SessionOptions } from './session';
import { warpInput } from './native-warp';
import type { WarpOptions } from './warp';

export const EYE_ROI_SCALE = 2.3;
export const EYE_CONTOUR_POINTS = 71;
export const IRIS_POINTS = 5;
const VALUES_PER_EYE = (EYE_CONTOUR_POINTS + IRIS_POINTS) * 3;

/** Mesh eye corners, in image order left -> right for an upright face. */
export const RIGHT_EYE_CORNERS: readonly [number, number] = [33, 133];
export const LEFT_EYE_CORNERS: readonly [number, number] = [362, 263];

export interface EyeResult {
  /** Iris centre then 4 edge points, interleaved x, y in image pixels (10 floats). */
  iris: Float32Array;
  /** 71 eye-contour points, interleaved x, y in image pixels (142 floats). */
  contour: Float32Array;
  roi: RotatedRoi;
}

/** Subject's sides. */
export interface IrisResult {
  right: EyeResult;
  left: EyeResult;
}

/** Eye ROI from two mesh corner points (points interleaved x, y, z, stride 3). */
export function eyeRoi(mesh: ArrayLike<number>, from: number, to: number, out?: RotatedRoi): RotatedRoi {
  const x0 = mesh[from * 3];
  const y0 = mesh[from * 3 + 1];
  const x1 = mesh[to * 3];
  const y1 = mesh[to * 3 + 1];
  const roi = out ?? { centerX: 0, centerY: 0, size: 0, angle: 0 };
  roi.centerX = (x0 + x1) / 2;
  roi.centerY = (y0 + y1) / 2;
  roi.angle = Math.atan2(y1 - y0, x1 - x0);
  roi.size = Math.hypot(x1 - x0, y1 - y0) * EYE_ROI_SCALE;
  return roi;
}

/** An EyeResult with its buffers allocated (filled by a run). */
export function newEye(): EyeResult {
  return {
    iris: new Float32Array(IRIS_POINTS * 2),
    contour: new Float32Array(EYE_CONTOUR_POINTS * 2),
    roi: { centerX: 0, centerY: 0, size: 0, angle: 0 },
  };
}

export class IrisModel {
  private readonly result: IrisResult = { right: newEye(), left: newEye() };
  private readonly base: WarpOptions = { outSize: IRIS_INPUT_SIZE, scale: ZERO_TO_ONE.scale, offset: ZERO_TO_ONE.offset, border: 'clamp' };
  /** The left eye is mirrored so that it looks like a right eye to the model. */
  private readonly mirrored: WarpOptions = { ...this.base, mirror: true };
  /** Milliseconds the last run spent preparing the input tensor (warp, colour, normalisation). */
  preprocessMs = 0;

  /** One session for both eyes (batch 2), or one per eye (right, left) to run at the same time. */
  private constructor(private readonly sessions: readonly ModelSession[]) {
    for (const session of sessions) session.bindInput(0, [2 / sessions.length, IRIS_INPUT_SIZE, IRIS_INPUT_SIZE, 3]);
  }

  /**
   * Both eyes in one batch-2 run; or, given `perEye` options (right eye, left eye: e.g. two
   * InferenceThreads), one batch-1 session per eye, run at the same time.
   */
  static async create(file: string, sessionOptions: SessionOptions = {}, perEye?: readonly [SessionOptions, SessionOptions]): Promise<IrisModel> {
    if (!perEye) return new IrisModel([await ModelSession.load(file, irisExpectation(2), sessionOptions)]);
    return new IrisModel(await Promise.all(perEye.map((options) => ModelSession.load(file, irisExpectation(1), { ...sessionOptions, ...options }))));
  }

  /**
   * Runs both eyes of a mesh (468 points, x y z interleaved, image pixels). The result object is
   * owned by this model and overwritten by the next run(). With `mirrorFrame` the image is read
   * flipped left-right (native-warp.ts): the mesh and the results are in the flipped image.
   */
  async run(image: FrameInput, mesh: ArrayLike<number>, mirrorFrame = false): Promise<IrisResult> {
    const { right, left } = this.result;
    eyeRoi(mesh, RIGHT_EYE_CORNERS[0], RIGHT_EYE_CORNERS[1], right.roi);
    eyeRoi(mesh, LEFT_EYE_CORNERS[0], LEFT_EYE_CORNERS[1], left.roi);
    const crop = IRIS_INPUT_SIZE * IRIS_INPUT_SIZE * 3;
    const [first, second] = this.sessions;
    const t0 = performance.now();
    warpInput(image, right.roi, first.input(0), 0, this.base, mirrorFrame);
    warpInput(image, left.roi, second ? second.input(0) : first.input(0), second ? 0 : crop, this.mirrored, mirrorFrame);
    this.preprocessMs = performance.now() - t0;
    if (second) {
      const [[rawRight], [rawLeft]] = await Promise.all([first.run(), second.run()]);
      decodeEye(rawRight, 0, right, false);
      decodeEye(rawLeft, 0, left, true);
    } else {
      const [raw] = await first.run();
      decodeEye(raw, 0, right, false);
      decodeEye(raw, VALUES_PER_EYE, left, true);
    }
    return this.result;
  }

  async release(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.release()));
  }
}

function decodeEye(raw: Float32Array, offset: number, eye: EyeResult, mirrored: boolean): void {
  const roi = eye.roi;
  const c = Math.cos(roi.angle);
  const s = Math.sin(roi.angle);
  const k = roi.size / IRIS_INPUT_SIZE;
  const half = IRIS_INPUT_SIZE / 2;
  const total = EYE_CONTOUR_POINTS + IRIS_POINTS;
  for (let p = 0; p < total; p++) {
    const r = offset + p * 3;
    // Mirrored crop: crop x measured from the right edge is the ROI's x.
    const dx = (mirrored ? half - raw[r] : raw[r] - half) * k;
    const dy = (raw[r + 1] - half) * k;
    const x = roi.centerX + c * dx - s * dy;
    const y = roi.centerY + s * dx + c * dy;
    const dst = p < EYE_CONTOUR_POINTS ? eye.contour : eye.iris;
    const q = p < EYE_CONTOUR_POINTS ? p * 2 : (p - EYE_CONTOUR_POINTS) * 2;
    dst[q] = x;
    dst[q + 1] = y;
  }
}

/**
 * Replaces the mesh's eye points with the iris model's contour (x, y only: the mesh keeps its own z,
 * whose scale the eye crop's z does not share), via the MediaPipe refinement table. `count` limits
 * it to the first points of the table: 16 = the eyelids only, 71 = everything MediaPipe replaces.
 */
export function refineMeshWithIris(mesh: Float32Array, iris: IrisResult, count = EYE_CONTOUR_POINTS): void {
  const n = Math.min(count, EYE_CONTOUR_POINTS);
  for (let i = 0; i < n; i++) {
    const r = RIGHT_EYE_CONTOUR_TO_MESH[i] * 3;
    mesh[r] = iris.right.contour[i * 2];
    mesh[r + 1] = iris.right.contour[i * 2 + 1];
    const l = LEFT_EYE_CONTOUR_TO_MESH[i] * 3;
    mesh[l] = iris.left.contour[i * 2];
    mesh[l + 1] = iris.left.contour[i * 2 + 1];
  }
}
