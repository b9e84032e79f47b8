/**
 * What every addon call that reads a Frame needs on the JS side: the pixel-format codes of the C++ enum
 * and the plane checks done before the flat (data, format, width, height, offset0, stride0, offset1,
 * stride1) arguments are passed. Shared by kernels.ts (preprocess) and jpeg.ts (preview JPEG).
 */
import type { Frame, FramePlane, PixelFormat } from '../image/frame';

/** Must match vtlink::PixelFormat in addon/src/kernels/preprocess.h. */
export const FORMAT_CODES: Record<PixelFormat, number> = { rgb: 0, bgr: 1, rgba: 2, yuyv: 3, nv12: 4 };

/**
 * The frame's first plane, after checking it has the planes its format needs (RangeError if not).
 * The second plane, where there is one, is frame.planes[1].
 */
export function firstPlane(frame: Frame): FramePlane {
  const p0 = frame.planes[0];
  if (p0 === undefined) throw new RangeError('frame has no planes');
  if (frame.format === 'nv12' && frame.planes[1] === undefined) throw new RangeError('nv12 frame needs two planes (Y, UV)');
  return p0;
}
