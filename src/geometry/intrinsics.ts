/** Pinhole camera intrinsics in pixels (no lens distortion is modelled). */
export interface Intrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

/**
 * Intrinsics for an uncalibrated camera: focal length = image width (about a 53 degree horizontal
 * field of view, typical of webcams) and the principal point at the image centre.
 */
export function defaultIntrinsics(width: number, height: number): Intrinsics {
  return { fx: width, fy: width, cx: width / 2, cy: height / 2 };
}
