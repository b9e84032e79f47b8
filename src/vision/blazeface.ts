/**
 * BlazeFace detector (MediaPipe face_detection short range "front" 128, or full range "back" 256).
 *
 * Pre: the whole frame is letterboxed into the square input (aspect ratio kept, black padding,
 * centred: MediaPipe's keep_aspect_ratio + BORDER_ZERO), normalised to [-1, 1].
 * Post (MediaPipe TensorsToDetectionsCalculator): score = sigmoid(clip(logit, ±100)); box centre =
 * raw/inputSize + anchor, size = raw/inputSize (fixed-size anchors); 6 keypoints likewise; weighted
 * NMS at IoU 0.3; then the letterbox is undone so boxes and keypoints are in image pixels.
 * The crop and decode + NMS run in the native addon (src/native); decodeCandidates below, anchors.ts
 * and nms.ts are the TypeScript references it is tested against.
 */
import { decodeBlazeFace, type DecodeOptions } from '../native/kernels';
import { BACK_ANCHORS, FRONT_ANCHORS } from './anchors';
import type { FrameInput } from '../image/frame';
import { MINUS_ONE_TO_ONE, detectorExpectation, type DetectorKind } from './model-specs';
import type { Candidate } from './nms';
import type { RotatedRoi } from './roi-types';
import { ModelSession, type SessionOptions } from './session';
import { warpInput } from './native-warp';

export type Point2 = [number, number];

/** Keypoint order (subject's sides): right eye, left eye, nose tip, mouth centre, right ear tragion, left ear tragion. */
export const FaceKeypoint = { RightEye: 0, LeftEye: 1, NoseTip: 2, Mouth: 3, RightEar: 4, LeftEar: 5 } as const;

export interface Detection {
  /** 0..1 */
  score: number;
  /** Image pixels. */
  box: { xMin: number; yMin: number; width: number; height: number };
  /** 6 points in image pixels, in FaceKeypoint order. */
  keypoints: Point2[];
}

export interface DetectorOptions {
  /** Minimum score of a detection (MediaPipe: 0.5). */
  readonly scoreThreshold?: number;
  /** Weighted-NMS overlap (MediaPipe: 0.3). */
  readonly iouThreshold?: number;
  readonly maxDetections?: number;
}

const KEYPOINTS = 6;
const VALUES_PER_ANCHOR = 16;
/** A decoded row of the native decoder: score, xMin, yMin, xMax, yMax, 6 keypoints x, y. */
const ROW = 5 + KEYPOINTS * 2;

/**
 * The TypeScript reference of the decode step (the native decodeBlazeFace is tested against it, then
 * weightedNms): the anchors of one output pair whose logit passes `scoreThreshold`, as candidates in
 * normalised input coordinates. `anchors` are centres [x, y, ...]; `anchorBase` is the pair's first
 * anchor.
 */
export function decodeCandidates(
  scores: Float32Array,
  boxes: Float32Array,
  anchors: Float32Array,
  anchorBase: number,
  inputSize: number,
  scoreThreshold: number,
  out: Candidate[],
): void {
  const s = inputSize;
  // Compare logits, not probabilities: one log instead of a sigmoid per anchor.
  const t = scoreThreshold;
  const logitThreshold = t <= 0 ? -Infinity : t >= 1 ? Infinity : Math.log(t / (1 - t));
  for (let i = 0; i < scores.length; i++) {
    const logit = scores[i];
    if (!(logit >= logitThreshold)) continue;
    const clipped = Math.max(-100, Math.min(100, logit));
    const score = 1 / (1 + Math.exp(-clipped));
    const a = (anchorBase + i) * 2;
    const ax = anchors[a];
    const ay = anchors[a + 1];
    const r = i * VALUES_PER_ANCHOR;
    const cx = boxes[r] / s + ax;
    const cy = boxes[r + 1] / s + ay;
    const w = boxes[r + 2] / s;
    const h = boxes[r + 3] / s;
    const keypoints = new Float32Array(KEYPOINTS * 2);
    for (let k = 0; k < KEYPOINTS; k++) {
      keypoints[k * 2] = boxes[r + 4 + k * 2] / s + ax;
      keypoints[k * 2 + 1] = boxes[r + 5 + k * 2] / s + ay;
    }
    out.push({ score, xMin: cx - w / 2, yMin: cy - h / 2, xMax: cx + w / 2, yMax: cy + h / 2, keypoints });
  }
}

export class BlazeFaceDetector {
  readonly inputSize: number;
  /** Milliseconds the last run spent preparing the input tensor (warp, colour, normalisation). */
  preprocessMs = 0;
  /** Native decode + NMS settings (anchors are generated and cached in the addon). */
  private readonly decode: DecodeOptions;
  /** Decoded rows, maxDetections x ROW. */
  private readonly decoded: Float32Array;
  /** The letterbox ROI of the last frame, reused (no per-frame allocation). */
  private readonly letterbox: RotatedRoi = { centerX: 0, centerY: 0, size: 1, angle: 0 };

  private constructor(readonly kind: DetectorKind, private readonly session: ModelSession, options: DetectorOptions) {
    const config = kind === 'front' ? FRONT_ANCHORS : BACK_ANCHORS;
    this.inputSize = config.inputSize;
    session.bindInput(0, [1, this.inputSize, this.inputSize, 3]);
    this.decode = {
      anchors: config,
      scoreThreshold: options.scoreThreshold ?? 0.5,
      iouThreshold: options.iouThreshold ?? 0.3,
      maxDetections: options.maxDetections ?? 10,
    };
    this.decoded = new Float32Array(this.decode.maxDetections * ROW);
  }

  static async create(
    file: string,
    kind: DetectorKind,
    options: DetectorOptions = {},
    sessionOptions: SessionOptions = {},
  ): Promise<BlazeFaceDetector> {
    const session = await ModelSession.load(file, detectorExpectation(kind), sessionOptions);
    return new BlazeFaceDetector(kind, session, options);
  }

  /** Faces in the frame, best first; with `mirrorFrame`, in the left-right flipped frame (native-warp.ts). */
  async detect(image: FrameInput, mirrorFrame = false): Promise<Detection[]> {
    const roi = this.letterbox;
    roi.centerX = image.width / 2;
    roi.centerY = image.height / 2;
    roi.size = Math.max(image.width, image.height);
    const t0 = performance.now();
    warpInput(image, roi, this.session.input(0), 0, {
      outSize: this.inputSize,
      scale: MINUS_ONE_TO_ONE.scale,
      offset: MINUS_ONE_TO_ONE.offset,
      border: 'zero',
    }, mirrorFrame);
    this.preprocessMs = performance.now() - t0;
    const [scoresFine, scoresCoarse, boxesFine, boxesCoarse] = await this.session.run();
    const count = decodeBlazeFace([scoresFine, scoresCoarse], [boxesFine, boxesCoarse], this.decoded, this.decode);
    const out: Detection[] = [];
    for (let d = 0; d < count; d++) out.push(this.toImage(this.decoded, d * ROW, roi));
    return out;
  }

  /** Undo the letterbox: a decoded row (normalised input coords) -> image pixels. */
  private toImage(row: Float32Array, r: number, roi: RotatedRoi): Detection {
    const px = (u: number): number => roi.centerX + (u - 0.5) * roi.size;
    const py = (v: number): number => roi.centerY + (v - 0.5) * roi.size;
    const keypoints: Point2[] = [];
    for (let k = 0; k < KEYPOINTS; k++) keypoints.push([px(row[r + 5 + k * 2]), py(row[r + 6 + k * 2])]);
    const xMin = px(row[r + 1]);
    const yMin = py(row[r + 2]);
    return {
      score: row[r],
      box: { xMin, yMin, width: px(row[r + 3]) - xMin, height: py(row[r + 4]) - yMin },
      keypoints,
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
