/**
 * The camera preview JPEG, made by the addon (addon/src/image/preview_jpeg.cc): the frame is box-filtered
 * down to at most `maxWidth` wide and colour-converted synchronously (cheap, and the frame may be a
 * capture buffer that is recycled right after), then libjpeg-turbo encodes it on the libuv pool so the
 * tracking thread never waits for the encoder.
 */
import type { Frame } from '../image/frame';
import { nativeAddon } from './addon';
import { FORMAT_CODES, firstPlane } from './frame-args';

/**
 * JPEG bytes of `frame` reduced to at most `maxWidth` pixels wide (never enlarged; aspect kept).
 * Throws synchronously (TypeError/RangeError) for a frame or argument that does not fit; the returned
 * promise rejects only if the encoder itself fails.
 */
export function encodePreviewJpeg(frame: Frame, maxWidth: number, quality = 75): Promise<Buffer> {
  const p0 = firstPlane(frame);
  const p1 = frame.planes[1];
  const code = FORMAT_CODES[frame.format];
  if (code === undefined) throw new TypeError(`unknown pixel format '${String(frame.format)}'`);
  return nativeAddon().encodePreviewJpeg(
    frame.data,
    code,
    frame.width,
    frame.height,
    p0.offset,
    p0.stride,
    p1?.offset ?? 0,
    p1?.stride ?? 0,
    maxWidth,
    quality,
  );
}
