/**
 * A rotated square region of an image, the unit every model crop is cut from.
 *
 * Centre and size are in source-image pixels (origin at the top-left corner of the top-left pixel).
 * `angle` is in radians and gives the direction of the ROI's own x axis in the image:
 * (cos angle, sin angle) with image y pointing down, so a positive angle turns the crop clockwise
 * on screen. This matches MediaPipe's NormalizedRect.rotation.
 */
export interface RotatedRoi {
  centerX: number;
  centerY: number;
  size: number;
  angle: number;
}

/**
 * Maps a point given in the ROI's normalised frame (u, v in 0..1, (0,0) = the crop's top-left corner,
 * before any mirroring) to image pixels. Writes into `out` to avoid allocation.
 */
export function roiToImage(roi: RotatedRoi, u: number, v: number, out: [number, number]): [number, number] {
  const c = Math.cos(roi.angle);
  const s = Math.sin(roi.angle);
  const dx = (u - 0.5) * roi.size;
  const dy = (v - 0.5) * roi.size;
  out[0] = roi.centerX + c * dx - s * dy;
  out[1] = roi.centerY + s * dx + c * dy;
  return out;
}

/** Inverse of roiToImage: image pixels to the ROI's normalised frame. */
export function imageToRoi(roi: RotatedRoi, x: number, y: number, out: [number, number]): [number, number] {
  const c = Math.cos(roi.angle);
  const s = Math.sin(roi.angle);
  const dx = x - roi.centerX;
  const dy = y - roi.centerY;
  out[0] = (c * dx + s * dy) / roi.size + 0.5;
  out[1] = (-s * dx + c * dy) / roi.size + 0.5;
  return out;
}
