/**
 * Chooses, for each of the 68 iBUG points, the mesh vertex (or the midpoint of two) that lands
 * closest to the labels on average. Used by tools/fit-landmarks68.ts for the tracker's table, and by
 * the benchmark to give Human a table fitted to its own mesh (a fair comparison).
 */
import type { Landmarked68 } from './datasets';
import { outerEyeDistance } from './metrics';

/** Single candidates kept per point for pairing: 12 gives 66 pairs, enough to find neighbours' midpoints. */
export const PAIR_CANDIDATES = 12;
const MESH_POINTS = 468;

export interface FitSample {
  /** Flat [x, y, z, ...] 468-point mesh. */
  mesh: Float32Array;
  label: Landmarked68;
}

export interface PointChoice {
  vertices: number[];
  /** Mean error of the choice, normalised per image by the labelled outer-eye-corner distance. */
  error: number;
  bestSingle: { vertex: number; error: number };
}

function meanError(samples: readonly FitSample[], norms: readonly number[], k: number, vertices: readonly number[]): number {
  let sum = 0;
  samples.forEach((s, n) => {
    let x = 0;
    let y = 0;
    for (const v of vertices) {
      x += s.mesh[v * 3];
      y += s.mesh[v * 3 + 1];
    }
    x /= vertices.length;
    y /= vertices.length;
    const gt = s.label.pts68[k];
    sum += Math.hypot(x - gt[0], y - gt[1]) / norms[n];
  });
  return sum / samples.length;
}

/**
 * For each point: score all 468 vertices by mean normalised error, then try the midpoints of every
 * pair among the PAIR_CANDIDATES best; keep the lowest mean error.
 */
export function fitLandmarkTable(samples: readonly FitSample[]): PointChoice[] {
  if (samples.length === 0) throw new RangeError('fitting the 68-point table needs at least one image with a face');
  const norms = samples.map((s) => outerEyeDistance(s.label.pts68));
  return Array.from({ length: 68 }, (_, k) => {
    const singles = Array.from({ length: MESH_POINTS }, (_, v) => ({ vertex: v, error: meanError(samples, norms, k, [v]) }));
    singles.sort((a, b) => a.error - b.error);
    let best: PointChoice = { vertices: [singles[0].vertex], error: singles[0].error, bestSingle: singles[0] };
    const top = singles.slice(0, PAIR_CANDIDATES);
    for (let i = 0; i < top.length; i++) {
      for (let j = i + 1; j < top.length; j++) {
        const pair = [top[i].vertex, top[j].vertex].sort((a, b) => a - b);
        const error = meanError(samples, norms, k, pair);
        if (error < best.error) best = { vertices: pair, error, bestSingle: singles[0] };
      }
    }
    return best;
  });
}
