/**
 * An 8-bit RGB image, rows packed top to bottom (stride = width * 3).
 * Pixel (x, y) starts at byte (y * width + x) * 3. Image coordinates are pixels with the
 * origin at the top-left corner of the top-left pixel; a pixel's centre is at (x + 0.5, y + 0.5).
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export function createRgbImage(width: number, height: number): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  return { width, height, data: new Uint8Array(width * height * 3) };
}
