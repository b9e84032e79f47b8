/**
 * The vision stage's crop step on the native fused kernel: any camera frame (or a decoded RgbImage)
 * straight to the model's float input. Same contract as warpRoi (src/vision/warp.ts), which stays the
 * reference the kernel is tested against.
 */
import { preprocess, preprocessRgbImage } from '../native/kernels';
import { isFrame, type FrameInput } from './image';
import type { RotatedRoi } from './roi-types';
import type { WarpOptions } from './warp';

/** Writes outSize * outSize * 3 floats into dst from dstOffset. Allocates nothing. */
export function warpInput(input: FrameInput, roi: RotatedRoi, dst: Float32Array, dstOffset: number, opts: WarpOptions): void {
  if (isFrame(input)) preprocess(input, roi, dst, dstOffset, opts);
  else preprocessRgbImage(input, roi, dst, dstOffset, opts);
}
