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
import type { RgbImage } from './image';
import type { RotatedRoi } from './roi-types';

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

/**
 * Writes outSize*outSize*3 floats into dst starting at dstOffset. Allocates nothing.
 */
export function warpRoi(
  src: RgbImage,
  roi: RotatedRoi,
  dst: Float32Array,
  dstOffset: number,
  opts: WarpOptions,
): void {
  const n = opts.outSize;
  const need = dstOffset + n * n * 3;
  if (dst.length < need) throw new RangeError(`warp destination holds ${dst.length} floats, needs ${need}`);
  const w = src.width;
  const h = src.height;
  const data = src.data;
  const scale = opts.scale;
  const offset = opts.offset;
  const cos = Math.cos(roi.angle);
  const sin = Math.sin(roi.angle);
  const step = roi.size / n;
  // ROI-frame x offset of column 0 and its per-column step (negated when mirrored).
  const dx0 = opts.mirror ? (0.5 - 0.5 / n) * roi.size : (0.5 / n - 0.5) * roi.size;
  const dxStep = opts.mirror ? -step : step;
  // Per-column change of the source sample position.
  const colStepX = cos * dxStep;
  const colStepY = sin * dxStep;
  // Sample positions in index space (pixel centres at integers): subtract 0.5.
  const baseX = roi.centerX - 0.5 + cos * dx0;
  const baseY = roi.centerY - 0.5 + sin * dx0;

  const zeroBorder = opts.border === 'zero';
  const maxX = w - 1;
  const maxY = h - 1;
  let o = dstOffset;
  for (let j = 0; j < n; j++) {
    const dy = ((j + 0.5) / n - 0.5) * roi.size;
    const rowX = baseX - sin * dy;
    const rowY = baseY + cos * dy;
    const endX = rowX + colStepX * (n - 1);
    const endY = rowY + colStepY * (n - 1);
    // A row is a straight segment: if both ends are strictly inside, every sample is.
    const inside =
      rowX >= 0 && rowX < maxX && endX >= 0 && endX < maxX && rowY >= 0 && rowY < maxY && endY >= 0 && endY < maxY;
    let sx = rowX;
    let sy = rowY;
    if (inside) {
      for (let i = 0; i < n; i++, sx += colStepX, sy += colStepY) {
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        const w00 = (1 - fx) * (1 - fy);
        const w01 = fx * (1 - fy);
        const w10 = (1 - fx) * fy;
        const w11 = fx * fy;
        const p00 = (y0 * w + x0) * 3;
        const p10 = p00 + w * 3;
        dst[o++] = (data[p00] * w00 + data[p00 + 3] * w01 + data[p10] * w10 + data[p10 + 3] * w11) * scale + offset;
        dst[o++] = (data[p00 + 1] * w00 + data[p00 + 4] * w01 + data[p10 + 1] * w10 + data[p10 + 4] * w11) * scale + offset;
        dst[o++] = (data[p00 + 2] * w00 + data[p00 + 5] * w01 + data[p10 + 2] * w10 + data[p10 + 5] * w11) * scale + offset;
      }
      continue;
    }
    for (let i = 0; i < n; i++, sx += colStepX, sy += colStepY) {
      const fx0 = Math.floor(sx);
      const fy0 = Math.floor(sy);
      const fx = sx - fx0;
      const fy = sy - fy0;
      let w00 = (1 - fx) * (1 - fy);
      let w01 = fx * (1 - fy);
      let w10 = (1 - fx) * fy;
      let w11 = fx * fy;
      let x0 = fx0;
      let x1 = fx0 + 1;
      let y0 = fy0;
      let y1 = fy0 + 1;
      if (zeroBorder) {
        // Outside neighbours contribute black: drop their weight, keep indices valid.
        if (x0 < 0 || x0 > maxX) { w00 = 0; w10 = 0; x0 = 0; }
        if (x1 < 0 || x1 > maxX) { w01 = 0; w11 = 0; x1 = 0; }
        if (y0 < 0 || y0 > maxY) { w00 = 0; w01 = 0; y0 = 0; }
        if (y1 < 0 || y1 > maxY) { w10 = 0; w11 = 0; y1 = 0; }
      } else {
        x0 = x0 < 0 ? 0 : x0 > maxX ? maxX : x0;
        x1 = x1 < 0 ? 0 : x1 > maxX ? maxX : x1;
        y0 = y0 < 0 ? 0 : y0 > maxY ? maxY : y0;
        y1 = y1 < 0 ? 0 : y1 > maxY ? maxY : y1;
      }
      const p00 = (y0 * w + x0) * 3;
      const p01 = (y0 * w + x1) * 3;
      const p10 = (y1 * w + x0) * 3;
      const p11 = (y1 * w + x1) * 3;
      dst[o++] = (data[p00] * w00 + data[p01] * w01 + data[p10] * w10 + data[p11] * w11) * scale + offset;
      dst[o++] = (data[p00 + 1] * w00 + data[p01 + 1] * w01 + data[p10 + 1] * w10 + data[p11 + 1] * w11) * scale + offset;
      dst[o++] = (data[p00 + 2] * w00 + data[p01 + 2] * w01 + data[p10 + 2] * w10 + data[p11 + 2] * w11) * scale + offset;
    }
  }
}
