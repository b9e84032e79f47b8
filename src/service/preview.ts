/**
 * The UI's camera preview: the current frame, downscaled (box filter) and JPEG-encoded with jpeg-js.
 * Made only when asked for, so the tracking loop pays nothing while nobody watches.
 */
import jpeg from 'jpeg-js';
import type { RgbImage } from '../vision/image';

/** RGBA pixels of `image` reduced to at most `maxWidth` wide (never enlarged), averaging each cell. */
export function downscaleToRgba(image: RgbImage, maxWidth: number): { width: number; height: number; data: Uint8Array } {
  const scale = Math.min(1, Math.max(1, Math.floor(maxWidth)) / image.width);
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const data = new Uint8Array(width * height * 4);
  const src = image.data;
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * image.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * image.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * image.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * image.width) / width));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = y0; yy < y1; yy++) {
        let i = (yy * image.width + x0) * 3;
        for (let xx = x0; xx < x1; xx++, i += 3) {
          r += src[i];
          g += src[i + 1];
          b += src[i + 2];
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 4;
      data[o] = r / n;
      data[o + 1] = g / n;
      data[o + 2] = b / n;
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}

export function previewJpegOf(image: RgbImage, maxWidth: number, quality = 75): Uint8Array {
  const rgba = downscaleToRgba(image, maxWidth);
  return new Uint8Array(jpeg.encode({ width: rgba.width, height: rgba.height, data: rgba.data }, quality).data);
}
