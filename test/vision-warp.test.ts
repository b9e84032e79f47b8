import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../src/image/frame';
import type { RotatedRoi } from '../src/vision/roi-types';
import { imageToRoi, roiToImage } from '../src/vision/roi-types';
import { warpRoi, type BorderMode } from '../src/vision/warp';

/** Deterministic pseudo-random image (xorshift), so failures reproduce. */
function randomImage(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    data[i] = s & 255;
  }
  return { width, height, data };
}

/** Plain reference: one output value at a time, straight from the definitions. */
function referenceWarp(img: RgbImage, roi: RotatedRoi, n: number, scale: number, offset: number, mirror: boolean, border: BorderMode): Float32Array {
  const out = new Float32Array(n * n * 3);
  const pixel = (x: number, y: number, ch: number): number => {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) {
      if (border === 'zero') return 0;
      x = Math.min(Math.max(x, 0), img.width - 1);
      y = Math.min(Math.max(y, 0), img.height - 1);
    }
    return img.data[(y * img.width + x) * 3 + ch];
  };
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      let u = (i + 0.5) / n;
      if (mirror) u = 1 - u;
      const v = (j + 0.5) / n;
      // ROI frame -> image: rotate the offset from the centre by the ROI angle.
      const ox = (u - 0.5) * roi.size;
      const oy = (v - 0.5) * roi.size;
      const px = roi.centerX + Math.cos(roi.angle) * ox - Math.sin(roi.angle) * oy;
      const py = roi.centerY + Math.sin(roi.angle) * ox + Math.cos(roi.angle) * oy;
      // Pixel centres sit at +0.5.
      const sx = px - 0.5;
      const sy = py - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let ch = 0; ch < 3; ch++) {
        const top = pixel(x0, y0, ch) * (1 - fx) + pixel(x0 + 1, y0, ch) * fx;
        const bottom = pixel(x0, y0 + 1, ch) * (1 - fx) + pixel(x0 + 1, y0 + 1, ch) * fx;
        out[(j * n + i) * 3 + ch] = (top * (1 - fy) + bottom * fy) * scale + offset;
      }
    }
  }
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array, from = 0): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[from + i] - b[i]));
  return m;
}

describe('warpRoi', () => {
  const img = randomImage(97, 71, 12345);

  it('matches the plain reference on rotated, scaled, mirrored and off-image ROIs, both borders', () => {
    const rois: RotatedRoi[] = [
      { centerX: 48, centerY: 35, size: 60, angle: 0.3 }, // inside
      { centerX: 20, centerY: 60, size: 80, angle: -1.1 }, // runs off two edges
      { centerX: 90, centerY: 5, size: 150, angle: 2.5 }, // mostly outside
      { centerX: 50.3, centerY: 30.7, size: 13.3, angle: 0 }, // upscaling
    ];
    for (const roi of rois) {
      for (const border of ['zero', 'clamp'] as const) {
        for (const mirror of [false, true]) {
          const n = 24;
          const dst = new Float32Array(n * n * 3 + 5);
          warpRoi(img, roi, dst, 5, { outSize: n, scale: 2 / 255, offset: -1, mirror, border });
          const ref = referenceWarp(img, roi, n, 2 / 255, -1, mirror, border);
          expect(maxAbsDiff(dst, ref, 5), JSON.stringify({ roi, border, mirror })).toBeLessThan(1e-4);
        }
      }
    }
  });

  it('identity ROI copies the pixels exactly', () => {
    const sq = randomImage(16, 16, 7);
    const dst = new Float32Array(16 * 16 * 3);
    warpRoi(sq, { centerX: 8, centerY: 8, size: 16, angle: 0 }, dst, 0, { outSize: 16, scale: 1, offset: 0, border: 'zero' });
    for (let i = 0; i < dst.length; i++) expect(dst[i]).toBeCloseTo(sq.data[i], 3);
  });

  it('a 90 degree ROI is the crop rotated: out(i, j) = src(x = N-1-j, y = i); mirrored it is the transpose', () => {
    const n = 12;
    const sq = randomImage(n, n, 99);
    const roi = { centerX: n / 2, centerY: n / 2, size: n, angle: Math.PI / 2 };
    const dst = new Float32Array(n * n * 3);
    const mir = new Float32Array(n * n * 3);
    warpRoi(sq, roi, dst, 0, { outSize: n, scale: 1, offset: 0, border: 'clamp' });
    warpRoi(sq, roi, mir, 0, { outSize: n, scale: 1, offset: 0, border: 'clamp', mirror: true });
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        for (let ch = 0; ch < 3; ch++) {
          // ROI x axis points down the image, ROI y axis points left.
          expect(dst[(j * n + i) * 3 + ch]).toBeCloseTo(sq.data[(i * n + (n - 1 - j)) * 3 + ch], 3);
          // Mirroring the ROI x axis then gives the plain transpose, flipped in x: src(x = N-1-j, y = N-1-i).
          expect(mir[(j * n + i) * 3 + ch]).toBeCloseTo(sq.data[((n - 1 - i) * n + (n - 1 - j)) * 3 + ch], 3);
        }
      }
    }
  });

  it('zero border letterboxes a wide image into black bars', () => {
    const wide = randomImage(40, 20, 3);
    const n = 8;
    const dst = new Float32Array(n * n * 3);
    warpRoi(wide, { centerX: 20, centerY: 10, size: 40, angle: 0 }, dst, 0, { outSize: n, scale: 2 / 255, offset: -1, border: 'zero' });
    // Rows 0-1 and 6-7 sample y < -0.5 + ... : fully outside -> byte 0 -> -1.
    for (const j of [0, 1, 6, 7]) for (let i = 0; i < n * 3; i++) expect(dst[j * n * 3 + i]).toBeCloseTo(-1, 6);
  });

  it('roiToImage and imageToRoi are inverse', () => {
    const roi = { centerX: 10, centerY: -4, size: 33, angle: 2.1 };
    const p: [number, number] = [0, 0];
    roiToImage(roi, 0.2, 0.9, p);
    imageToRoi(roi, p[0], p[1], p);
    expect(p[0]).toBeCloseTo(0.2, 9);
    expect(p[1]).toBeCloseTo(0.9, 9);
  });

  it('rejects a destination that is too small', () => {
    expect(() => warpRoi(img, { centerX: 1, centerY: 1, size: 2, angle: 0 }, new Float32Array(10), 0, { outSize: 4, scale: 1, offset: 0, border: 'zero' })).toThrow(RangeError);
  });
});
