/**
 * Fused crop + rotate + resize + normalise: the TypeScript reference of the preprocessing kernel
 * (the C++ addon will replace it on the hot path and is tested against it).
 *
 * Output pixel (i, j) of an N x N crop has its centre at u = (i + 0.5) / N, v = (j + 0.5) / N in the
 * ROI's normalised frame (mirrored: u -> 1 - u); that point is mapped to the image with roiToImage
 * and sampled bilinearly between pixel centres. Values are written NHWC (RGB interleaved) as
 * `byte * scale + offset`.
 *
 * Border: 'zero' reads outside pixels as black (byte 0) — MediaPipe's BORDER_ZERO, used for the
 * detector's letterbox so padding looks like the black bars the detector was trained with;
 * 'clamp' replicates the edge pixel — MediaPipe's default BORDER_REPLICATE for landmark crops, so a
 * face ROI that runs off the frame does not get a hard black edge the mesh/iris models never saw.
 *
 * Downscaling is plain bilinear (no area filter), as MediaPipe's CPU path (cv::warpAffine INTER_LINEAR).
 */
import type { RgbImage } from '../image/frame';
import type { RotatedRoi } from './roi-types';
import { warpFrame } from './warp-frame';

export type BorderMode = 'zero' | 'clamp';

export interface WarpOptions {
  /** Side of the square output, in pixels. */
  readonly outSize: number;
  /** Output value = byte * scale + offset (e.g. 1/255, 0 for [0,1]; 2/255, -1 for [-1,1]). */
  readonly scale: number;
  readonly offset: number;
  /** Flip the crop left-right (used to make a left eye look like a right eye). */
  readonly mirror?: boolean;
  readonly border: BorderMode;
}

/** A packed RGB view of the image for warpFrame, reused so that a call allocates nothing. */
const rgbView = { format: 'rgb' as const, width: 0, height: 0, data: new Uint8Array(0) as Uint8Array, planes: [{ offset: 0, stride: 0 }] };

/**
 * Writes outSize*outSize*3 floats into dst starting at dstOffset. Allocates nothing. The sampling is
 * warp-frame.ts's on a packed RGB frame (one implementation for every packed layout).
 */
export function warpRoi(
  src: RgbImage,
  roi: RotatedRoi,
  dst: Float32Array,
  dstOffset: number,
  opts: WarpOptions,
): void {
  rgbView.width = src.width;
  rgbView.height = src.height;
  rgbView.data = src.data;
  rgbView.planes[0].stride = src.width * 3;
  warpFrame(rgbView, roi, dst, dstOffset, opts);
}
