import type { Frame, RgbImage } from '../image/frame';

// BT.601 limited range (what UVC cameras, H.264 files and the Jetson's nvvidconv give), the same
// constants as the addon's preprocessing kernels (addon/src/kernels/preprocess_common.h).
const Y_SCALE = 1.164383;
const V_TO_R = 1.596027;
const U_TO_G = -0.391762;
const V_TO_G = -0.812968;
const U_TO_B = 2.017232;

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

function writeYuv(out: Uint8Array, o: number, y: number, u: number, v: number): void {
  const l = Y_SCALE * (y - 16);
  const cu = u - 128;
  const cv = v - 128;
  out[o] = clampByte(l + V_TO_R * cv);
  out[o + 1] = clampByte(l + U_TO_G * cu + V_TO_G * cv);
  out[o + 2] = clampByte(l + U_TO_B * cu);
}

/**
 * Convert a camera frame (any layout, any row padding) into a packed RGB image of the same size.
 * A copy: for consumers that only read RgbImage. The tracker's native preprocessing reads
 * camera frames directly and never needs this.
 */
export function convertFrameToRgb(frame: Frame, out: RgbImage): void {
  const { width, height, data, format } = frame;
  if (out.width !== width || out.height !== height) throw new RangeError(`output is ${out.width}x${out.height}, frame is ${width}x${height}`);
  const dst = out.data;
  const p0 = frame.planes[0];
  for (let y = 0; y < height; y++) {
    const row = p0.offset + y * p0.stride;
    let o = y * width * 3;
    switch (format) {
      case 'rgb':
        dst.set(data.subarray(row, row + width * 3), o);
        break;
      case 'bgr':
        for (let x = 0; x < width; x++, o += 3) {
          const i = row + x * 3;
          dst[o] = data[i + 2];
          dst[o + 1] = data[i + 1];
          dst[o + 2] = data[i];
        }
        break;
      case 'rgba':
        for (let x = 0; x < width; x++, o += 3) {
          const i = row + x * 4;
          dst[o] = data[i];
          dst[o + 1] = data[i + 1];
          dst[o + 2] = data[i + 2];
        }
        break;
      case 'yuyv':
        for (let x = 0; x < width; x++, o += 3) {
          const pair = row + (x >> 1) * 4;
          writeYuv(dst, o, data[row + x * 2], data[pair + 1], data[pair + 3]);
        }
        break;
      case 'nv12': {
        const p1 = frame.planes[1];
        const uvRow = p1.offset + (y >> 1) * p1.stride;
        for (let x = 0; x < width; x++, o += 3) {
          const uv = uvRow + (x >> 1) * 2;
          writeYuv(dst, o, data[row + x], data[uv], data[uv + 1]);
        }
        break;
      }
    }
  }
}
