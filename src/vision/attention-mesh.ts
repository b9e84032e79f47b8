/**
 * FaceMesh with attention: the 468-point mesh, and refined lips, eyes and irises, from one run on the
 * same 192x192 ROI crop as FaceMesh (MediaPipe's face_landmark_with_attention). It replaces the
 * mesh + iris pair: no eye crops, no second model.
 *
 * Post: every output is in 192-pixel crop units, mapped to image pixels through the ROI like the
 * mesh's. The model's mesh output is not refined; run() writes the lips and eye points over it
 * (MediaPipe's refinement), so the mesh it returns is the refined one. "left_eye"/"left_iris" are the
 * image's left eye, the subject's right (mesh corners 33 -> 133), so they fill IrisResult.right.
 */
import type { FrameInput } from '../image/frame';
import { EYE_CONTOUR_POINTS, eyeRoi, IRIS_POINTS, LEFT_EYE_CORNERS, newEye, refineMeshWithIris, RIGHT_EYE_CORNERS, type IrisResult } from './iris';
import { LIPS_TO_MESH, refineMeshWithLips } from './lips-table';
import type { MeshResult } from './mesh';
import { MESH_POINTS } from './mesh';
import { ATTENTION_MESH_EXPECTATION, MESH_INPUT_SIZE, ZERO_TO_ONE } from './model-specs';
import type { RotatedRoi } from './roi-types';
import { ModelSession, type SessionOptions } from './session';
import { warpInput } from './native-warp';

export const LIP_POINTS = LIPS_TO_MESH.length;

/** What the attention mesh sees beyond the mesh: refined eyes and irises (IrisResult's layout), and lips. */
export interface AttentionParts {
  eyes: IrisResult;
  /** 80 lip points, x y interleaved in image pixels, in LIPS_TO_MESH order. */
  lips: Float32Array;
}

function newParts(): AttentionParts {
  return { eyes: { right: newEye(), left: newEye() }, lips: new Float32Array(LIP_POINTS * 2) };
}

export class AttentionMeshModel {
  private readonly ownPoints = new Float32Array(MESH_POINTS * 3);
  /**
   * Two sets of parts, used in turn: the tracker reads one frame's parts while the next frame's mesh
   * may already run (FaceTracker.submit keeps at most two frames in flight).
   */
  private readonly parts = [newParts(), newParts()];
  private turn = 0;
  /** Milliseconds the last run() spent preparing the input tensor (warp, colour, normalisation). */
  preprocessMs = 0;

  private constructor(private readonly session: ModelSession) {
    session.bindInput(0, [1, MESH_INPUT_SIZE, MESH_INPUT_SIZE, 3]);
  }

  static async create(file: string, sessionOptions: SessionOptions = {}): Promise<AttentionMeshModel> {
    return new AttentionMeshModel(await ModelSession.load(file, ATTENTION_MESH_EXPECTATION, sessionOptions));
  }

  /** As FaceMeshModel.run, plus `attention`: the refined parts (owned here; valid for two runs). */
  async run(image: FrameInput, roi: RotatedRoi, out: Float32Array = this.ownPoints, mirrorFrame = false): Promise<MeshResult> {
    if (out.length < MESH_POINTS * 3) throw new RangeError(`mesh output needs ${MESH_POINTS * 3} floats`);
    const t0 = performance.now();
    warpInput(image, roi, this.session.input(0), 0, { outSize: MESH_INPUT_SIZE, scale: ZERO_TO_ONE.scale, offset: ZERO_TO_ONE.offset, border: 'clamp' }, mirrorFrame);
    this.preprocessMs = performance.now() - t0;
    const [mesh, flag, lips, leftEye, rightEye, leftIris, rightIris] = await this.session.run();
    const toImage = cropToImage(roi);
    toImage(mesh, 3, out, 3, MESH_POINTS, true);
    const parts = this.parts[(this.turn ^= 1)];
    toImage(lips, 2, parts.lips, 2, LIP_POINTS, false);
    const { right, left } = parts.eyes;
    toImage(leftEye, 2, right.contour, 2, EYE_CONTOUR_POINTS, false);
    toImage(leftIris, 2, right.iris, 2, IRIS_POINTS, false);
    toImage(rightEye, 2, left.contour, 2, EYE_CONTOUR_POINTS, false);
    toImage(rightIris, 2, left.iris, 2, IRIS_POINTS, false);
    // The mesh comes out refined (MediaPipe's 478-point refinement, less the irises): the next ROI
    // and every consumer read the attention heads' eye and lip points.
    refineMeshWithIris(out, parts.eyes);
    refineMeshWithLips(out, parts.lips);
    // The eye ROIs the iris model would have used, for anyone drawing them.
    eyeRoi(out, RIGHT_EYE_CORNERS[0], RIGHT_EYE_CORNERS[1], right.roi);
    eyeRoi(out, LEFT_EYE_CORNERS[0], LEFT_EYE_CORNERS[1], left.roi);
    return { score: flag[0], points: out, roi: { ...roi }, attention: parts };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Maps points from 192-pixel crop units to image pixels (z, when there, is scaled like x). */
function cropToImage(roi: RotatedRoi) {
  const c = Math.cos(roi.angle);
  const s = Math.sin(roi.angle);
  const k = roi.size / MESH_INPUT_SIZE;
  const half = MESH_INPUT_SIZE / 2;
  return (src: Float32Array, srcStride: number, dst: Float32Array, dstStride: number, count: number, withZ: boolean): void => {
    for (let p = 0; p < count; p++) {
      const i = p * srcStride;
      const o = p * dstStride;
      const dx = (src[i] - half) * k;
      const dy = (src[i + 1] - half) * k;
      dst[o] = roi.centerX + c * dx - s * dy;
      dst[o + 1] = roi.centerY + s * dx + c * dy;
      if (withZ) dst[o + 2] = src[i + 2] * k;
    }
  };
}
