/**
 * warp.ts's fused crop + rotate + resize + normalise, on a camera Frame as the capture backends hand it
 * over (planes with offsets and padded strides): YUYV and NV12 with their colour conversion, and the
 * packed RGB, BGR and RGBA layouts. It is the TypeScript reference of the native preprocess on camera
 * frames (tests and bench/preprocess.ts compare against it); warpRoi stays the reference for RgbImage.
 *
 * Geometry, border modes and normalisation are warp.ts's: output pixel (i, j) samples the ROI point
 * u = (i + 0.5) / N, v = (j + 0.5) / N (mirrored: u -> 1 - u), bilinearly between pixel centres.
 *
 * YUV (BT.601, limited range: what UVC cameras send and ffmpeg assumes for untagged webcam video):
 * - every pixel has its own luma; its chroma is that of its site, shared by a horizontal pair (YUYV:
 *   Y0 U Y1 V) or a 2x2 block (NV12: the UV plane has half the columns and rows), i.e. replicated over
 *   the pixels it covers, not interpolated between sites (as ffmpeg's default converter does);
 * - the four taps' Y - 16, U - 128, V - 128 are interpolated, converted to RGB once per output pixel,
 *   clamped to 0..255, then normalised. The conversion is linear, so this equals converting each tap
 *   first except where a tap lies outside the RGB gamut. In 'zero' border mode an outside tap counts
 *   as Y - 16 = U - 128 = V - 128 = 0, i.e. RGB black, as for the RGB formats.
 */
import type { Frame } from '../image/frame';
import type { RotatedRoi } from './roi-types';
import type { WarpOptions } from './warp';

// BT.601 luma weights and the limited ranges (luma 16..235, chroma 16..240 around 128).
const KR = 0.299;
const KB = 0.114;
const KG = 1 - KR - KB;
const Y_SCALE = 255 / 219;
const C_SCALE = 255 / 224;
const R_FROM_V = 2 * (1 - KR) * C_SCALE;
const G_FROM_U = ((-2 * (1 - KB) * KB) / KG) * C_SCALE;
const G_FROM_V = ((-2 * (1 - KR) * KR) / KG) * C_SCALE;
const B_FROM_U = 2 * (1 - KB) * C_SCALE;

/**
 * The crop's geometry, shared by every format: sample i of row j is at (rowX + i * colStepX,
 * rowY + i * colStepY) in index space (pixel centres at integers). A module-level scratch so that a
 * call allocates nothing.
 */
const geo = { n: 0, size: 0, cos: 0, sin: 0, baseX: 0, baseY: 0, colStepX: 0, colStepY: 0, rowX: 0, rowY: 0 };

function setGeometry(roi: RotatedRoi, opts: WarpOptions): void {
  const n = opts.outSize;
  const step = roi.size / n;
  const dx0 = opts.mirror ? (0.5 - 0.5 / n) * roi.size : (0.5 / n - 0.5) * roi.size;
  const dxStep = opts.mirror ? -step : step;
  geo.n = n;
  geo.size = roi.size;
  geo.cos = Math.cos(roi.angle);
  geo.sin = Math.sin(roi.angle);
  geo.colStepX = geo.cos * dxStep;
  geo.colStepY = geo.sin * dxStep;
  geo.baseX = roi.centerX - 0.5 + geo.cos * dx0;
  geo.baseY = roi.centerY - 0.5 + geo.sin * dx0;
}

/**
 * Puts row j's first sample position in geo.rowX / geo.rowY; true when every sample of the row has
 * all four taps inside a frame of maxX + 1 by maxY + 1 pixels (a row is a straight segment: if both
 * ends are strictly inside, every sample is).
 */
function startRow(j: number, maxX: number, maxY: number): boolean {
  const { n, size, cos, sin, baseX, baseY, colStepX, colStepY } = geo;
  const dy = ((j + 0.5) / n - 0.5) * size;
  const rowX = baseX - sin * dy;
  const rowY = baseY + cos * dy;
  const endX = rowX + colStepX * (n - 1);
  const endY = rowY + colStepY * (n - 1);
  geo.rowX = rowX;
  geo.rowY = rowY;
  return rowX >= 0 && rowX < maxX && endX >= 0 && endX < maxX && rowY >= 0 && rowY < maxY && endY >= 0 && endY < maxY;
}

/**
 * The four taps of a sample near the border (scratch, so nothing is allocated): columns x0, x1, rows
 * y0, y1 and weights w00 (x0, y0), w01 (x1, y0), w10 (x0, y1), w11 (x1, y1). 'zero': an outside tap
 * gets weight 0 (and a valid index); 'clamp': it reads the nearest edge pixel.
 */
const tap = { x0: 0, x1: 0, y0: 0, y1: 0, w00: 0, w01: 0, w10: 0, w11: 0 };

function borderTaps(sx: number, sy: number, maxX: number, maxY: number, zeroBorder: boolean): void {
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
  tap.x0 = x0;
  tap.x1 = x1;
  tap.y0 = y0;
  tap.y1 = y1;
  tap.w00 = w00;
  tap.w01 = w01;
  tap.w10 = w10;
  tap.w11 = w11;
}

/**
 * Writes outSize * outSize * 3 floats (RGB, NHWC, `value * scale + offset`) into dst from dstOffset.
 * Allocates nothing. Throws a RangeError for a frame whose planes do not fit its data, or a dst too small.
 */
export function warpFrame(frame: Frame, roi: RotatedRoi, dst: Float32Array, dstOffset: number, opts: WarpOptions): void {
  const n = opts.outSize;
  const need = dstOffset + n * n * 3;
  if (dst.length < need) throw new RangeError(`warp destination holds ${dst.length} floats, needs ${need}`);
  checkPlanes(frame);
  setGeometry(roi, opts);
  switch (frame.format) {
    case 'yuyv':
      return warpYuyv(frame, dst, dstOffset, opts);
    case 'nv12':
      return warpNv12(frame, dst, dstOffset, opts);
    case 'rgb':
      return warpPacked(frame, 3, 0, 1, 2, dst, dstOffset, opts);
    case 'bgr':
      return warpPacked(frame, 3, 2, 1, 0, dst, dstOffset, opts);
    case 'rgba':
      return warpPacked(frame, 4, 0, 1, 2, dst, dstOffset, opts);
  }
}

function checkPlanes(frame: Frame): void {
  const { format, width: w, height: h } = frame;
  if ((format === 'yuyv' || format === 'nv12') && w % 2 !== 0) throw new RangeError(`${format} frame width must be even, got ${w}`);
  if (format === 'nv12' && h % 2 !== 0) throw new RangeError(`nv12 frame height must be even, got ${h}`);
  const bpp = format === 'rgba' ? 4 : format === 'yuyv' ? 2 : format === 'nv12' ? 1 : 3;
  checkPlane(frame, 0, h, w * bpp);
  if (format === 'nv12') checkPlane(frame, 1, h / 2, w);
}

function checkPlane(frame: Frame, plane: number, rows: number, rowBytes: number): void {
  const p = frame.planes[plane];
  if (p === undefined) throw new RangeError(`${frame.format} frame has no plane ${plane}`);
  if (p.stride < rowBytes || p.offset < 0 || p.offset + p.stride * (rows - 1) + rowBytes > frame.data.length) {
    throw new RangeError(
      `${frame.format} frame ${frame.width}x${frame.height}: plane ${plane} (offset ${p.offset}, stride ${p.stride}) does not fit ${frame.data.length} bytes`,
    );
  }
}

/** RGB-like packed pixels of `bpp` bytes with R, G, B at byte cr, cg, cb. */
function warpPacked(frame: Frame, bpp: number, cr: number, cg: number, cb: number, dst: Float32Array, dstOffset: number, opts: WarpOptions): void {
  const data = frame.data;
  const { offset: base, stride } = frame.planes[0];
  const { n, colStepX, colStepY } = geo;
  const scale = opts.scale;
  const offset = opts.offset;
  const zeroBorder = opts.border === 'zero';
  const maxX = frame.width - 1;
  const maxY = frame.height - 1;
  let o = dstOffset;
  for (let j = 0; j < n; j++) {
    const inside = startRow(j, maxX, maxY);
    let sx = geo.rowX;
    let sy = geo.rowY;
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
        const p00 = base + y0 * stride + x0 * bpp;
        const p01 = p00 + bpp;
        const p10 = p00 + stride;
        const p11 = p10 + bpp;
        dst[o++] = (data[p00 + cr] * w00 + data[p01 + cr] * w01 + data[p10 + cr] * w10 + data[p11 + cr] * w11) * scale + offset;
        dst[o++] = (data[p00 + cg] * w00 + data[p01 + cg] * w01 + data[p10 + cg] * w10 + data[p11 + cg] * w11) * scale + offset;
        dst[o++] = (data[p00 + cb] * w00 + data[p01 + cb] * w01 + data[p10 + cb] * w10 + data[p11 + cb] * w11) * scale + offset;
      }
      continue;
    }
    for (let i = 0; i < n; i++, sx += colStepX, sy += colStepY) {
      borderTaps(sx, sy, maxX, maxY, zeroBorder);
      const { x0, x1, y0, y1, w00, w01, w10, w11 } = tap;
      const p00 = base + y0 * stride + x0 * bpp;
      const p01 = base + y0 * stride + x1 * bpp;
      const p10 = base + y1 * stride + x0 * bpp;
      const p11 = base + y1 * stride + x1 * bpp;
      dst[o++] = (data[p00 + cr] * w00 + data[p01 + cr] * w01 + data[p10 + cr] * w10 + data[p11 + cr] * w11) * scale + offset;
      dst[o++] = (data[p00 + cg] * w00 + data[p01 + cg] * w01 + data[p10 + cg] * w10 + data[p11 + cg] * w11) * scale + offset;
      dst[o++] = (data[p00 + cb] * w00 + data[p01 + cb] * w01 + data[p10 + cb] * w10 + data[p11 + cb] * w11) * scale + offset;
    }
  }
}

/**
 * Writes the normalised RGB of one output pixel from its interpolated y = Y - 16, u = U - 128,
 * v = V - 128. Small enough for V8 to inline into the loops.
 */
function storeYuv(dst: Float32Array, o: number, y: number, u: number, v: number, scale: number, offset: number): void {
  const l = y * Y_SCALE;
  const r = l + R_FROM_V * v;
  const g = l + G_FROM_U * u + G_FROM_V * v;
  const b = l + B_FROM_U * u;
  dst[o] = (r < 0 ? 0 : r > 255 ? 255 : r) * scale + offset;
  dst[o + 1] = (g < 0 ? 0 : g > 255 ? 255 : g) * scale + offset;
  dst[o + 2] = (b < 0 ? 0 : b > 255 ? 255 : b) * scale + offset;
}

/** YUYV (YUY2): one plane of pairs Y0 U Y1 V; pixel x's luma at byte 2x, its pair at byte 4 (x >> 1). */
function warpYuyv(frame: Frame, dst: Float32Array, dstOffset: number, opts: WarpOptions): void {
  const data = frame.data;
  const { offset: base, stride } = frame.planes[0];
  const { n, colStepX, colStepY } = geo;
  const scale = opts.scale;
  const offset = opts.offset;
  const zeroBorder = opts.border === 'zero';
  const maxX = frame.width - 1;
  const maxY = frame.height - 1;
  let o = dstOffset;
  for (let j = 0; j < n; j++) {
    const inside = startRow(j, maxX, maxY);
    let sx = geo.rowX;
    let sy = geo.rowY;
    if (inside) {
      for (let i = 0; i < n; i++, sx += colStepX, sy += colStepY, o += 3) {
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        const w00 = (1 - fx) * (1 - fy);
        const w01 = fx * (1 - fy);
        const w10 = (1 - fx) * fy;
        const w11 = fx * fy;
        const top = base + y0 * stride;
        const bottom = top + stride;
        const l0 = x0 * 2; // luma of column x0; column x0 + 1's is 2 bytes on
        // The pairs (Y0 U Y1 V, 4-byte aligned) of both columns: the same pair when x0 is even.
        const c0 = l0 & ~3;
        const c1 = (l0 + 2) & ~3;
        // The weights sum to 1 inside the frame, so the offsets come off after interpolation.
        const y = data[top + l0] * w00 + data[top + l0 + 2] * w01 + data[bottom + l0] * w10 + data[bottom + l0 + 2] * w11 - 16;
        const u = data[top + c0 + 1] * w00 + data[top + c1 + 1] * w01 + data[bottom + c0 + 1] * w10 + data[bottom + c1 + 1] * w11 - 128;
        const v = data[top + c0 + 3] * w00 + data[top + c1 + 3] * w01 + data[bottom + c0 + 3] * w10 + data[bottom + c1 + 3] * w11 - 128;
        storeYuv(dst, o, y, u, v, scale, offset);
      }
      continue;
    }
    for (let i = 0; i < n; i++, sx += colStepX, sy += colStepY, o += 3) {
      borderTaps(sx, sy, maxX, maxY, zeroBorder);
      const { x0, x1, y0, y1, w00, w01, w10, w11 } = tap;
      const top = base + y0 * stride;
      const bottom = base + y1 * stride;
      const c0 = (x0 >> 1) * 4;
      const c1 = (x1 >> 1) * 4;
      // Outside taps have weight 0 here, so each tap's offset comes off before weighting.
      const y =
        (data[top + x0 * 2] - 16) * w00 + (data[top + x1 * 2] - 16) * w01 + (data[bottom + x0 * 2] - 16) * w10 + (data[bottom + x1 * 2] - 16) * w11;
      const u =
        (data[top + c0 + 1] - 128) * w00 + (data[top + c1 + 1] - 128) * w01 + (data[bottom + c0 + 1] - 128) * w10 + (data[bottom + c1 + 1] - 128) * w11;
      const v =
        (data[top + c0 + 3] - 128) * w00 + (data[top + c1 + 3] - 128) * w01 + (data[bottom + c0 + 3] - 128) * w10 + (data[bottom + c1 + 3] - 128) * w11;
      storeYuv(dst, o, y, u, v, scale, offset);
    }
  }
}

/** NV12: a Y plane, then a UV plane of interleaved U V at half the columns and half the rows. */
function warpNv12(frame: Frame, dst: Float32Array, dstOffset: number, opts: WarpOptions): void {
  const data = frame.data;
  const { offset: yBase, stride: yStride } = frame.planes[0];
  const { offset: cBase, stride: cStride } = frame.planes[1];
  const { n, colStepX, colStepY } = geo;
  const scale = opts.scale;
  const offset = opts.offset;
  const zeroBorder = opts.border === 'zero';
  const maxX = frame.width - 1;
  const maxY = frame.height - 1;
  let o = dstOffset;
  for (let j = 0; j < n; j++) {
    const inside = startRow(j, maxX, maxY);
    let sx = geo.rowX;
    let sy = geo.rowY;
    if (inside) {
      for (let i = 0; i < n; i++, sx += colStepX, sy += colStepY, o += 3) {
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        const w00 = (1 - fx) * (1 - fy);
        const w01 = fx * (1 - fy);
        const w10 = (1 - fx) * fy;
        const w11 = fx * fy;
        const lt = yBase + y0 * yStride + x0;
        const lb = lt + yStride;
        // Chroma rows of luma rows y0, y0 + 1 and columns of x0, x0 + 1 (the same site when even).
        const ct = cBase + (y0 >> 1) * cStride;
        const cb = cBase + ((y0 + 1) >> 1) * cStride;
        const c0 = x0 & ~1;
        const c1 = (x0 + 1) & ~1;
        const y = data[lt] * w00 + data[lt + 1] * w01 + data[lb] * w10 + data[lb + 1] * w11 - 16;
        const u = data[ct + c0] * w00 + data[ct + c1] * w01 + data[cb + c0] * w10 + data[cb + c1] * w11 - 128;
        const v = data[ct + c0 + 1] * w00 + data[ct + c1 + 1] * w01 + data[cb + c0 + 1] * w10 + data[cb + c1 + 1] * w11 - 128;
        storeYuv(dst, o, y, u, v, scale, offset);
      }
      continue;
    }
    for (let i = 0; i < n; i++, sx += colStepX, sy += colStepY, o += 3) {
      borderTaps(sx, sy, maxX, maxY, zeroBorder);
      const { x0, x1, y0, y1, w00, w01, w10, w11 } = tap;
      const lt = yBase + y0 * yStride;
      const lb = yBase + y1 * yStride;
      const ct = cBase + (y0 >> 1) * cStride;
      const cb = cBase + (y1 >> 1) * cStride;
      const c0 = x0 & ~1;
      const c1 = x1 & ~1;
      const y = (data[lt + x0] - 16) * w00 + (data[lt + x1] - 16) * w01 + (data[lb + x0] - 16) * w10 + (data[lb + x1] - 16) * w11;
      const u =
        (data[ct + c0] - 128) * w00 + (data[ct + c1] - 128) * w01 + (data[cb + c0] - 128) * w10 + (data[cb + c1] - 128) * w11;
      const v =
        (data[ct + c0 + 1] - 128) * w00 + (data[ct + c1 + 1] - 128) * w01 + (data[cb + c0 + 1] - 128) * w10 + (data[cb + c1 + 1] - 128) * w11;
      storeYuv(dst, o, y, u, v, scale, offset);
    }
  }
}
