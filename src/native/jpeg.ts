/**
 * The camera preview JPEG, made by the addon (addon/src/image/preview_jpeg.cc): the frame is box-filtered
 * down to at most `maxWidth` wide and colour-converted synchronously (cheap, and the frame may be a
 * capture buffer that is recycled right after), then libjpeg-turbo encodes it on the libuv pool so the
 * tracking thread never waits for the encoder.
 */
import type { Frame, PixelFormat } from '../vision/image';
import { nativeAddon } from './addon';

/** Must match vtlink::PixelFormat in addon/src/kernels/preprocess.h. */
const FORMAT_CODES: Record<PixelFormat, number> = { rgb: 0, bgr: 1, rgba: 2, yuyv: 3, nv12: 4 };

/**
 * JPEG bytes of `frame` reduced to at most `maxWidth` pixels wide (never enlarged; aspect kept).
 * Throws synchronously (TypeError/RangeError) for a frame or argument that does not fit; the returned
 * promise rejects only if the encoder itself fails.
 */
export function encodePreviewJpeg(frame: Frame, maxWidth: number, quality = 75): Promise<Buffer> {
  const p0 = frame.planes[0];
  const p1 = frame.planes[1];
  if (p0 === undefined) throw new RangeError('frame has no planes');
  if (frame.format === 'nv12' && p1 === undefined) throw new RangeError('nv12 frame needs two planes (Y, UV)');
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
