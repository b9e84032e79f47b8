/**
 * The UI's camera preview: the current frame, downscaled (box filter) and JPEG-encoded by the native
 * addon. The downscale copies the pixels on the calling thread (the frame may be a capture buffer that
 * is recycled for the next frame); the encode runs on the libuv pool, so the tracking loop only pays
 * for the copy, and only while somebody watches.
 */
import { encodePreviewJpeg } from '../native/jpeg';
import type { Frame } from '../image/frame';

export function previewJpegOf(frame: Frame, maxWidth: number, quality = 75): Promise<Uint8Array> {
  const width = Number.isFinite(maxWidth) ? Math.min(1 << 15, Math.max(1, Math.floor(maxWidth))) : frame.width;
  return encodePreviewJpeg(frame, width, quality);
}
