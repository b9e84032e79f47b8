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

/**
 * Pixel layouts a camera frame may come in. 'yuyv' (YUY2, 4:2:2 packed Y0 U Y1 V) and 'nv12' (Y plane,
 * then interleaved UV at half resolution) are BT.601 limited range, what UVC cameras and the Jetson's
 * nvvidconv give; 'rgb' is RgbImage's layout.
 */
export type PixelFormat = 'rgb' | 'bgr' | 'rgba' | 'yuyv' | 'nv12';

/** Where a plane starts in `Frame.data` and how many bytes one of its rows takes (padding included). */
export interface FramePlane {
  readonly offset: number;
  readonly stride: number;
}

/**
 * A camera frame as the capture backends hand it over, without conversion: `data` may be a view of the
 * driver's buffer. Packed formats have one plane; 'nv12' has two (Y, then UV with height / 2 rows).
 * Same coordinate convention as RgbImage.
 */
export interface Frame {
  readonly format: PixelFormat;
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  readonly planes: readonly FramePlane[];
}

/** What the tracker's vision stage accepts: a camera frame or a decoded RGB image. */
export type FrameInput = Frame | RgbImage;

/** Bytes per pixel of a packed format's single plane (for 'nv12': of the Y plane). */
export function bytesPerPixel(format: PixelFormat): number {
  switch (format) {
    case 'rgb':
    case 'bgr':
      return 3;
    case 'rgba':
      return 4;
    case 'yuyv':
      return 2;
    case 'nv12':
      return 1;
  }
}

/** A Frame view of an RgbImage (no copy). */
export function rgbFrame(image: RgbImage): Frame {
  return { format: 'rgb', width: image.width, height: image.height, data: image.data, planes: [{ offset: 0, stride: image.width * 3 }] };
}

export function isFrame(input: FrameInput): input is Frame {
  return 'format' in input;
}

/**
 * A tightly packed frame (no row padding; NV12's UV plane right after Y), e.g. for tests or a backend
 * whose buffers have no padding.
 */
export function packedFrame(format: PixelFormat, width: number, height: number, data: Uint8Array): Frame {
  const stride = width * bytesPerPixel(format);
  const planes: FramePlane[] = [{ offset: 0, stride }];
  if (format === 'nv12') planes.push({ offset: stride * height, stride: width });
  return { format, width, height, data, planes };
}
