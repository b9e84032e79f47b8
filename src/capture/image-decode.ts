import { readFile } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { createRgbImage, type RgbImage } from '../image/frame';
import { FrameDecodeError } from './errors';
import { applyOrientation, orientationSwapsAxes, readJpegOrientation } from './jpeg-orientation';

/**
 * JPEG and PNG files to `RgbImage`, in pure JavaScript (jpeg-js, pngjs).
 *
 * - The format is told by the file's first bytes, not its name.
 * - Greyscale becomes R = G = B; PNG alpha is dropped (colour values kept as stored, not blended);
 *   16-bit PNG is scaled to 8 bits by pngjs; palette PNG is expanded; CMYK JPEG is converted by jpeg-js.
 * - JPEG EXIF orientation is applied (jpeg-js does not), so the result is upright as a viewer shows it.
 * - Every failure is a `FrameDecodeError` naming the file and the reason.
 */

/** Refuse images larger than this (jpeg-js's own guard against memory blow-ups, made explicit). */
const MAX_MEGAPIXELS = 50;

/** File name extensions treated as still images when listing folders or choosing a source. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png']);

/**
 * Decode `bytes` (a JPEG or PNG file's content). `path` is only used in error messages. When `reuse`
 * has the decoded image's size its buffer is overwritten and it is returned; otherwise a new image.
 */
export function decodeImage(bytes: Uint8Array, path: string, reuse?: RgbImage): RgbImage {
  if (isJpeg(bytes)) return decodeJpeg(bytes, path, reuse);
  if (isPng(bytes)) return decodePng(bytes, path, reuse);
  if (bytes.length === 0) throw new FrameDecodeError(path, 'the file is empty');
  throw new FrameDecodeError(path, 'unsupported format (only JPEG and PNG images are read)');
}

/** Read and decode one image file; see `decodeImage`. */
export async function readImageFile(path: string, reuse?: RgbImage): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new FrameDecodeError(path, `cannot read the file (${errorText(cause)})`, { cause });
  }
  return decodeImage(bytes, path, reuse);
}

function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v);
}

function decodeJpeg(bytes: Uint8Array, path: string, reuse?: RgbImage): RgbImage {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      // Tolerant decoding turns some damage into grey blocks; a tracker fed a half-grey face is
      // worse than a clear error, so be strict.
      tolerantDecoding: false,
      maxResolutionInMP: MAX_MEGAPIXELS,
      maxMemoryUsageInMB: 1024,
    });
  } catch (cause) {
    throw new FrameDecodeError(path, `corrupt or truncated JPEG (${errorText(cause)})`, { cause });
  }
  if (decoded.width <= 0 || decoded.height <= 0) {
    throw new FrameDecodeError(path, 'JPEG without image data');
  }
  const stored: RgbImage = { width: decoded.width, height: decoded.height, data: decoded.data };
  const orientation = readJpegOrientation(bytes);
  const swap = orientationSwapsAxes(orientation);
  const out = fitOrCreate(reuse, swap ? stored.height : stored.width, swap ? stored.width : stored.height);
  if (orientation === 1) out.data.set(stored.data);
  else applyOrientation(stored, orientation, out);
  return out;
}

function decodePng(bytes: Uint8Array, path: string, reuse?: RgbImage): RgbImage {
  let png: { width: number; height: number; data: Uint8Array };
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    png = PNG.sync.read(buffer);
  } catch (cause) {
    throw new FrameDecodeError(path, `corrupt or truncated PNG (${errorText(cause)})`, { cause });
  }
  if (png.width * png.height > MAX_MEGAPIXELS * 1e6) {
    throw new FrameDecodeError(path, `image too large (${png.width}x${png.height})`);
  }
  const out = fitOrCreate(reuse, png.width, png.height);
  // pngjs always hands back RGBA (grey and palette expanded): keep RGB, drop A.
  const src = png.data;
  const dst = out.data;
  const pixels = png.width * png.height;
  for (let p = 0, s = 0, d = 0; p < pixels; p++, s += 4, d += 3) {
    dst[d] = src[s];
    dst[d + 1] = src[s + 1];
    dst[d + 2] = src[s + 2];
  }
  return out;
}

function fitOrCreate(reuse: RgbImage | undefined, width: number, height: number): RgbImage {
  if (reuse && reuse.width === width && reuse.height === height) return reuse;
  return createRgbImage(width, height);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
