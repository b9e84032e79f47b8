import type { RgbImage } from '../image/frame';

/**
 * EXIF orientation for JPEG files. jpeg-js decodes the stored pixels and ignores the EXIF
 * Orientation tag (0x0112), but phone photos are usually stored sideways with that tag set, and a
 * face lying on its side defeats the detector. So we read the tag ourselves and turn the pixels the
 * way a photo viewer would.
 */

/** EXIF orientation 1..8 (1 = as stored). Malformed or missing EXIF gives 1: never an error. */
export function readJpegOrientation(jpeg: Uint8Array): number {
  let offset = 2; // after SOI
  while (offset + 4 <= jpeg.length) {
    if (jpeg[offset] !== 0xff) return 1;
    const marker = jpeg[offset + 1];
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return 1; // start of scan / end: no EXIF before it
    const length = (jpeg[offset + 2] << 8) | jpeg[offset + 3];
    if (length < 2) return 1;
    const body = offset + 4;
    if (marker === 0xe1 && isExifHeader(jpeg, body)) {
      return orientationFromTiff(jpeg, body + 6, Math.min(jpeg.length, offset + 2 + length));
    }
    offset += 2 + length;
  }
  return 1;
}

function isExifHeader(b: Uint8Array, at: number): boolean {
  // "Exif\0\0"
  return (
    at + 6 <= b.length &&
    b[at] === 0x45 && b[at + 1] === 0x78 && b[at + 2] === 0x69 && b[at + 3] === 0x66 &&
    b[at + 4] === 0 && b[at + 5] === 0
  );
}

function orientationFromTiff(b: Uint8Array, tiff: number, end: number): number {
  if (tiff + 8 > end) return 1;
  const little = b[tiff] === 0x49 && b[tiff + 1] === 0x49; // "II"
  const big = b[tiff] === 0x4d && b[tiff + 1] === 0x4d; // "MM"
  if (!little && !big) return 1;
  const u16 = (at: number): number => (little ? b[at] | (b[at + 1] << 8) : (b[at] << 8) | b[at + 1]);
  const u32 = (at: number): number =>
    little
      ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0
      : ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
  if (u16(tiff + 2) !== 42) return 1;
  const ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > end) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return 1;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8); // SHORT, stored left-justified in the value field
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/** True when the orientation swaps width and height (5..8). */
export function orientationSwapsAxes(orientation: number): boolean {
  return orientation >= 5 && orientation <= 8;
}

/**
 * Write `src` turned upright according to `orientation` into `dst`, whose size must already be the
 * upright size (width and height swapped for 5..8). Orientation 1 copies.
 */
export function applyOrientation(src: RgbImage, orientation: number, dst: RgbImage): void {
  const sw = src.width;
  const sh = src.height;
  const swap = orientationSwapsAxes(orientation);
  if (dst.width !== (swap ? sh : sw) || dst.height !== (swap ? sw : sh)) {
    throw new RangeError(`orientation ${orientation}: destination ${dst.width}x${dst.height} does not fit ${sw}x${sh}`);
  }
  const s = src.data;
  const d = dst.data;
  const dw = dst.width;
  const dh = dst.height;
  let o = 0;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      // Source pixel (sx, sy) shown at (x, y) once the photo is displayed upright.
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2: sx = sw - 1 - x; sy = y; break; // mirrored
        case 3: sx = sw - 1 - x; sy = sh - 1 - y; break; // rotated 180
        case 4: sx = x; sy = sh - 1 - y; break; // flipped vertically
        case 5: sx = y; sy = x; break; // transposed
        case 6: sx = y; sy = sh - 1 - x; break; // needs 90 degrees clockwise
        case 7: sx = sw - 1 - y; sy = sh - 1 - x; break; // transversed
        case 8: sx = sw - 1 - y; sy = x; break; // needs 90 degrees counter-clockwise
        default: sx = x; sy = y;
      }
      const i = (sy * sw + sx) * 3;
      d[o++] = s[i];
      d[o++] = s[i + 1];
      d[o++] = s[i + 2];
    }
  }
}
