/**
 * The vision stage's crop step on the native fused kernel: any camera frame (or a decoded RgbImage)
 * straight to the model's float input. Same contract as warpRoi (src/vision/warp.ts), which stays the
 * reference the kernel is tested against.
 *
 * `mirrorFrame` treats the input as flipped left-right (x' = width - x) without copying it: the ROI
 * is given in mirrored-image coordinates and is turned into the source ROI that samples the same
 * pixels. A mirrored-image point c' + R(a)(dx, dy) is the source point
 * (width - c'x - cos a dx + sin a dy, c'y + sin a dx + cos a dy) = c + R(-a)(-dx, dy) with
 * c = (width - c'x, c'y): the source ROI has its centre flipped, its angle negated, and the crop's
 * own mirror flag toggled. The crop comes out exactly as it would from a flipped copy of the frame,
 * so every decode (ROI frame -> image pixels with the caller's ROI) gives mirrored-image coordinates.
 */
import { preprocess, preprocessRgbImage, type PreprocessOptions } from '../native/kernels';
import { isFrame, type FrameInput } from '../image/frame';
import type { RotatedRoi } from './roi-types';
import type { BorderMode, WarpOptions } from './warp';

/** Reused for the mirrored case (no per-call allocation; the kernel call is synchronous). */
const sourceRoi: RotatedRoi = { centerX: 0, centerY: 0, size: 0, angle: 0 };
const sourceOpts: { outSize: number; scale: number; offset: number; mirror: boolean; border: BorderMode } = {
  outSize: 0,
  scale: 1,
  offset: 0,
  mirror: false,
  border: 'zero',
};

/** Writes outSize * outSize * 3 floats into dst from dstOffset. Allocates nothing. */
export function warpInput(input: FrameInput, roi: RotatedRoi, dst: Float32Array, dstOffset: number, opts: WarpOptions, mirrorFrame = false): void {
  let r = roi;
  let o: PreprocessOptions = opts;
  if (mirrorFrame) {
    sourceRoi.centerX = input.width - roi.centerX;
    sourceRoi.centerY = roi.centerY;
    sourceRoi.size = roi.size;
    sourceRoi.angle = -roi.angle;
    sourceOpts.outSize = opts.outSize;
    sourceOpts.scale = opts.scale;
    sourceOpts.offset = opts.offset;
    sourceOpts.border = opts.border;
    sourceOpts.mirror = !(opts.mirror ?? false);
    r = sourceRoi;
    o = sourceOpts;
  }
  if (isFrame(input)) preprocess(input, r, dst, dstOffset, o);
  else preprocessRgbImage(input, r, dst, dstOffset, o);
}
