/**
 * Typed face of the native kernels: the fused preprocess (frame -> rotated ROI -> RGB -> float32 NHWC)
 * and BlazeFace / RetinaFace decode + (one shared) weighted NMS. Semantics: src/vision/warp-frame.ts (camera
 * frames; warp.ts for RgbImage) and src/vision/blazeface.ts, anchors.ts, nms.ts, which stay as the references
 * the tests compare against.
 */
import type { AnchorConfig } from '../vision/anchors';
import type { Frame, RgbImage } from '../image/frame';
import type { RotatedRoi } from '../vision/roi-types';
import type { BorderMode } from '../vision/warp';
import { nativeAddon } from './addon';
import { FORMAT_CODES, firstPlane } from './frame-args';

export type SimdLevel = 'scalar' | 'sse4.1' | 'avx2' | 'avx512' | 'neon';

/** Must match vtlink::SimdLevel and Border in addon/src/kernels (pixel formats: frame-args.ts). */
const LEVEL_CODES: Record<SimdLevel, number> = { scalar: 0, 'sse4.1': 1, avx2: 2, neon: 3, avx512: 4 };
const BORDER_CODES: Record<BorderMode, number> = { zero: 0, clamp: 1 };

/** The fastest SIMD level of this CPU, which the kernels use unless told otherwise. */
export function simdLevel(): SimdLevel {
  return nativeAddon().simdLevel() as SimdLevel;
}

/** Every level this CPU can run ('scalar' first). */
export function supportedSimdLevels(): SimdLevel[] {
  return nativeAddon().supportedSimdLevels() as SimdLevel[];
}

export interface PreprocessOptions {
  /** Side of the square output, in pixels. */
  readonly outSize: number;
  /** Output value = RGB byte * scale + offset. */
  readonly scale: number;
  readonly offset: number;
  readonly mirror?: boolean;
  readonly border: BorderMode;
  /** Force a SIMD level (tests, benchmarks); default: the best one. Throws if this CPU lacks it. */
  readonly level?: SimdLevel;
}

/**
 * Writes outSize * outSize * 3 floats (RGB, NHWC) into `out` from `outOffset`, in one pass over the
 * frame. Allocates nothing; throws a RangeError/TypeError on sizes that do not fit.
 */
export function preprocess(frame: Frame, roi: RotatedRoi, out: Float32Array, outOffset: number, opts: PreprocessOptions): void {
  const p0 = firstPlane(frame);
  const p1 = frame.planes[1];
  callPreprocess(
    frame.data,
    FORMAT_CODES[frame.format],
    frame.width,
    frame.height,
    p0.offset,
    p0.stride,
    p1?.offset ?? 0,
    p1?.stride ?? 0,
    roi,
    out,
    outOffset,
    opts,
  );
}

/** preprocess() for a packed RgbImage, without building a Frame object per call. */
export function preprocessRgbImage(
  image: RgbImage,
  roi: RotatedRoi,
  out: Float32Array,
  outOffset: number,
  opts: PreprocessOptions,
): void {
  callPreprocess(image.data, FORMAT_CODES.rgb, image.width, image.height, 0, image.width * 3, 0, 0, roi, out, outOffset, opts);
}

/** The addon call both entry points share, taking the frame as flat numbers (no object per call). */
function callPreprocess(
  data: Uint8Array,
  format: number,
  width: number,
  height: number,
  offset0: number,
  stride0: number,
  offset1: number,
  stride1: number,
  roi: RotatedRoi,
  out: Float32Array,
  outOffset: number,
  opts: PreprocessOptions,
): void {
  nativeAddon().preprocess(
    data,
    format,
    width,
    height,
    offset0,
    stride0,
    offset1,
    stride1,
    roi.centerX,
    roi.centerY,
    roi.size,
    roi.angle,
    out,
    outOffset,
    opts.outSize,
    opts.scale,
    opts.offset,
    opts.mirror ?? false,
    BORDER_CODES[opts.border],
    opts.level === undefined ? -1 : LEVEL_CODES[opts.level],
  );
}

export interface DecodeOptions {
  readonly anchors: AnchorConfig;
  readonly scoreThreshold: number;
  readonly iouThreshold: number;
  readonly maxDetections: number;
  readonly level?: SimdLevel;
}

/**
 * Decodes the model's output pairs (scores[k] logits, boxes[k] raw rows of 4 + 2 * keypoints values,
 * anchors in model order) and merges them by weighted NMS. Writes rows of
 * [score, xMin, yMin, xMax, yMax, kx0, ky0, ...] (normalised input coordinates, best first) into
 * `out`, which must hold maxDetections rows; returns the number of rows.
 */
export function decodeBlazeFace(
  scores: readonly Float32Array[],
  boxes: readonly Float32Array[],
  out: Float32Array,
  opts: DecodeOptions,
): number {
  const a = opts.anchors;
  return nativeAddon().decodeBlazeFace(
    scores,
    boxes,
    a.inputSize,
    a.strides,
    a.anchorsPerLayer,
    a.offset,
    opts.scoreThreshold,
    opts.iouThreshold,
    opts.maxDetections,
    out,
    opts.level === undefined ? -1 : LEVEL_CODES[opts.level],
  );
}

export interface RetinaFaceDecodeOptions {
  /** [centre, size] variances of the box encoding (biubug6 cfg_mnet: [0.1, 0.2]). */
  readonly variances: readonly [number, number];
  /** true: scores are the two class logits (face = softmax column 1); false: already probabilities. */
  readonly scoresAreLogits: boolean;
  readonly scoreThreshold: number;
  readonly iouThreshold: number;
  readonly maxDetections: number;
}

/**
 * RetinaFace decode (priors count x [cx, cy, w, h], boxes count x 4, scores count x 2, landmarks
 * count x 10 or null) + the same weighted NMS as decodeBlazeFace. Writes rows of [score, xMin, yMin,
 * xMax, yMax, (10 landmark values)] in normalised input coordinates, best first; returns the count.
 */
export function decodeRetinaFace(
  priors: Float32Array,
  boxes: Float32Array,
  scores: Float32Array,
  landmarks: Float32Array | null,
  out: Float32Array,
  opts: RetinaFaceDecodeOptions,
): number {
  return nativeAddon().decodeRetinaFace(
    priors,
    boxes,
    scores,
    landmarks,
    opts.scoresAreLogits,
    opts.variances[0],
    opts.variances[1],
    opts.scoreThreshold,
    opts.iouThreshold,
    opts.maxDetections,
    out,
  );
}
