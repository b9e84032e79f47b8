/** Small, allocation-light statistics for benchmark timings (milliseconds in, milliseconds out). */

/** Sorted copy, so callers' arrays keep their (chronological) order. */
function sortedCopy(xs: readonly number[]): number[] {
  return Array.from(xs).sort((a, b) => a - b);
}

/**
 * p-th percentile (0..100) with linear interpolation between closest ranks
 * (the "R-7" / NumPy default definition). NaN for an empty input.
 */
export function percentile(xs: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in 0..100, got ${p}`);
  if (xs.length === 0) return Number.NaN;
  const s = sortedCopy(xs);
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

export interface TimingSummary {
  n: number;
  medianMs: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  /** 1000 / median: the sustained rate one core could keep if every frame cost the median. */
  fpsAtMedian: number;
  /** frames / total time: the rate the run actually achieved, outliers included. */
  fpsAtMean: number;
}

export function summarizeTimings(ms: readonly number[]): TimingSummary {
  const m = mean(ms);
  const med = median(ms);
  return {
    n: ms.length,
    medianMs: med,
    p90Ms: percentile(ms, 90),
    p99Ms: percentile(ms, 99),
    meanMs: m,
    minMs: ms.length ? Math.min(...ms) : Number.NaN,
    maxMs: ms.length ? Math.max(...ms) : Number.NaN,
    fpsAtMedian: 1000 / med,
    fpsAtMean: 1000 / m,
  };
}
