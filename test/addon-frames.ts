/** Frame builders for the addon tests: random frames with row padding, and RGB -> other layouts. */
import type { Frame, PixelFormat, RgbImage } from '../src/image/frame';

export const FORMATS: readonly PixelFormat[] = ['rgb', 'bgr', 'rgba', 'yuyv', 'nv12'];

/** A frame of random bytes with `pad` spare bytes at the end of every row (and a leading gap). */
export function randomFrame(format: PixelFormat, width: number, height: number, pad: number, rand: () => number): Frame {
  const bpp = format === 'rgba' ? 4 : format === 'yuyv' ? 2 : format === 'nv12' ? 1 : 3;
  const stride0 = width * bpp + pad;
  const lead = 7; // planes need not start at byte 0
  const planes = [{ offset: lead, stride: stride0 }];
  let size = lead + stride0 * height;
  if (format === 'nv12') {
    const stride1 = width + pad;
    planes.push({ offset: size + 3, stride: stride1 });
    size += 3 + stride1 * (height / 2);
  }
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = Math.floor(rand() * 256);
  return { format, width, height, data, planes };
}

/** The same pixels as `image` in a packed BGR or RGBA frame (alpha random). */
export function reorderRgb(image: RgbImage, format: 'bgr' | 'rgba', rand: () => number): Frame {
  const n = image.width * image.height;
  const bpp = format === 'rgba' ? 4 : 3;
  const data = new Uint8Array(n * bpp);
  for (let i = 0; i < n; i++) {
    const r = image.data[i * 3];
    const g = image.data[i * 3 + 1];
    const b = image.data[i * 3 + 2];
    if (format === 'bgr') {
      data[i * 3] = b;
      data[i * 3 + 1] = g;
      data[i * 3 + 2] = r;
    } else {
      data[i * 4] = r;
      data[i * 4 + 1] = g;
      data[i * 4 + 2] = b;
      data[i * 4 + 3] = Math.floor(rand() * 256);
    }
  }
  return { format, width: image.width, height: image.height, data, planes: [{ offset: 0, stride: image.width * bpp }] };
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN propagates as a failure
  }
  return m;
}
