/**
 * 68-point landmark error measures as 300-W papers report them: NME normalised by the outer-eye-corner
 * distance (iBUG points 36 and 45), failure rate at a threshold, and the area under the cumulative
 * error distribution (CED) up to that threshold.
 */
import type { Point2 } from './datasets';

export const OUTER_EYE_CORNERS = [36, 45] as const;

export function outerEyeDistance(gt: readonly Point2[]): number {
  const a = gt[OUTER_EYE_CORNERS[0]];
  const b = gt[OUTER_EYE_CORNERS[1]];
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** Mean point-to-point distance over the 68 points divided by the outer-eye-corner distance of the labels. */
export function nme68(predicted: readonly Point2[], gt: readonly Point2[]): number {
  if (predicted.length !== gt.length) throw new RangeError(`${predicted.length} predicted points for ${gt.length} labels`);
  let sum = 0;
  for (let i = 0; i < gt.length; i++) sum += Math.hypot(predicted[i][0] - gt[i][0], predicted[i][1] - gt[i][1]);
  return sum / gt.length / outerEyeDistance(gt);
}

/** Fraction of errors above `threshold` (an image with no face counts as +Infinity, i.e. a failure). */
export function failureRate(errors: readonly number[], threshold: number): number {
  if (errors.length === 0) return Number.NaN;
  return errors.filter((e) => !(e <= threshold)).length / errors.length;
}

/**
 * Area under the CED curve from 0 to `limit`, divided by `limit` (1 = every error is 0).
 * The CED is a step function, so the area is exact: each error e <= limit contributes (limit - e) / limit.
 */
export function cedAuc(errors: readonly number[], limit: number): number {
  if (errors.length === 0) return Number.NaN;
  let area = 0;
  for (const e of errors) if (e <= limit) area += (limit - e) / limit;
  return area / errors.length;
}

export interface NmeSummary {
  images: number;
  /** Images where no face was found (counted as failures, left out of the mean). */
  missed: number;
  meanNme: number;
  medianNme: number;
  failureRate: number;
  auc: number;
}

/** Summary over per-image errors, `null` marking an image without a face. */
export function summarizeNme(errors: readonly (number | null)[], threshold = 0.08): NmeSummary {
  const found = errors.filter((e): e is number => e !== null);
  const all = errors.map((e) => e ?? Number.POSITIVE_INFINITY);
  const sorted = [...found].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return {
    images: errors.length,
    missed: errors.length - found.length,
    meanNme: found.reduce((s, e) => s + e, 0) / found.length,
    medianNme: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2,
    failureRate: failureRate(all, threshold),
    auc: cedAuc(all, threshold),
  };
}

/** Smallest signed difference between two angles in degrees, in (-180, 180]. */
export function angleDiffDeg(a: number, b: number): number {
  let d = (a - b) % 360;
  if (d > 180) d -= 360;
  if (d <= -180) d += 360;
  return d;
}
