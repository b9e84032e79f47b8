/**
 * FaceMesh: 468 points from a rotated face ROI.
 *
 * Pre: the ROI is warped to 192x192, [0, 1], edge pixels replicated (MediaPipe face_landmark).
 * Post: model x, y are in 192-pixel crop units -> ROI frame -> image pixels; z is scaled like x
 * (size / 192). The face-presence output of this graph already ends in a sigmoid (tfjs original:
 * 1.0 on a face, ~1e-5 on noise), so it is used as the score directly.
 */
import type { FrameInput } from '../image/frame';
import type { AttentionParts } from './attention-mesh';
import { MESH_EXPECTATION, MESH_INPUT_SIZE, ZERO_TO_ONE } from './model-specs';
import type { RotatedRoi } from './roi-types';
import { ModelSession, type SessionOptions } from './session';
import { warpInput } from './native-warp';

export const MESH_POINTS = 468;

export interface MeshResult {
  /** Face presence, 0..1. */
  score: number;
  /** 468 points interleaved x, y, z in image pixels (z relative depth, scaled like x). */
  points: Float32Array;
  /** The ROI the mesh was run on. */
  roi: RotatedRoi;
  /** The attention model's refined lips, eyes and irises (absent for the plain FaceMesh). */
  attention?: AttentionParts;
}

export class FaceMeshModel {
  private readonly ownPoints = new Float32Array(MESH_POINTS * 3);
  /** Milliseconds the last run() spent preparing the input tensor (warp, colour, normalisation). */
  preprocessMs = 0;

  private constructor(private readonly session: ModelSession) {
    session.bindInput(0, [1, MESH_INPUT_SIZE, MESH_INPUT_SIZE, 3]);
  }

  static async create(file: string, sessionOptions: SessionOptions = {}): Promise<FaceMeshModel> {
    return new FaceMeshModel(await ModelSession.load(file, MESH_EXPECTATION, sessionOptions));
  }

  /**
   * Runs the mesh on `roi`. Points go to `out` when given, else to a buffer owned by this model that
   * the next run() overwrites (copy it, or pass your own, to keep it). With `mirrorFrame` the image
   * is read flipped left-right (native-warp.ts): `roi` and the points are in the flipped image.
   */
  async run(image: FrameInput, roi: RotatedRoi, out: Float32Array = this.ownPoints, mirrorFrame = false): Promise<MeshResult> {
    if (out.length < MESH_POINTS * 3) throw new RangeError(`mesh output needs ${MESH_POINTS * 3} floats`);
    const t0 = performance.now();
    warpInput(image, roi, this.session.input(0), 0, {
      outSize: MESH_INPUT_SIZE,
      scale: ZERO_TO_ONE.scale,
      offset: ZERO_TO_ONE.offset,
      border: 'clamp',
    }, mirrorFrame);
    this.preprocessMs = performance.now() - t0;
    const [raw, flag] = await this.session.run();
    const c = Math.cos(roi.angle);
    const s = Math.sin(roi.angle);
    const k = roi.size / MESH_INPUT_SIZE;
    const half = MESH_INPUT_SIZE / 2;
    for (let i = 0; i < MESH_POINTS * 3; i += 3) {
      const dx = (raw[i] - half) * k;
      const dy = (raw[i + 1] - half) * k;
      out[i] = roi.centerX + c * dx - s * dy;
      out[i + 1] = roi.centerY + s * dx + c * dy;
      out[i + 2] = raw[i + 2] * k;
    }
    return { score: flag[0], points: out, roi: { ...roi } };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
