/**
 * RetinaFace priors (anchors), the conventions of biubug6/Pytorch_Retinaface layers/functions/
 * prior_box.py with cfg_mnet: for each level (step 8, 16, 32), for each row i and column j of its
 * ceil(H/step) x ceil(W/step) grid, for each of its two min sizes: [cx, cy, s_kx, s_ky] normalised
 * by the input width/height, cx = (j + 0.5) * step / W, s_kx = minSize / W. clip = false.
 * Generated once per (input size, levels) and cached: a detector asks for them every frame size.
 */

export interface PriorLevel {
  readonly step: number;
  /** Anchor sides in input pixels, one prior each per location. */
  readonly minSizes: readonly number[];
}

/** biubug6 cfg_mnet: min_sizes [[16, 32], [64, 128], [256, 512]], steps [8, 16, 32]. */
export const MNET_LEVELS: readonly PriorLevel[] = [
  { step: 8, minSizes: [16, 32] },
  { step: 16, minSizes: [64, 128] },
  { step: 32, minSizes: [256, 512] },
];

/** cfg_mnet variance: centre offsets scaled by 0.1, log sizes by 0.2. */
export const MNET_VARIANCES: readonly [number, number] = [0.1, 0.2];

/** Number of priors a level set gives for an input of width x height. */
export function priorCount(width: number, height: number, levels: readonly PriorLevel[] = MNET_LEVELS): number {
  let n = 0;
  for (const l of levels) n += Math.ceil(height / l.step) * Math.ceil(width / l.step) * l.minSizes.length;
  return n;
}

export function generatePriors(width: number, height: number, levels: readonly PriorLevel[] = MNET_LEVELS): Float32Array {
  const out = new Float32Array(priorCount(width, height, levels) * 4);
  let o = 0;
  for (const { step, minSizes } of levels) {
    const rows = Math.ceil(height / step);
    const cols = Math.ceil(width / step);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        for (const size of minSizes) {
          out[o++] = ((j + 0.5) * step) / width;
          out[o++] = ((i + 0.5) * step) / height;
          out[o++] = size / width;
          out[o++] = size / height;
        }
      }
    }
  }
  return out;
}

const cache = new Map<string, Float32Array>();

/** generatePriors, cached per (size, levels). The array is shared: do not modify it. */
export function cachedPriors(width: number, height: number, levels: readonly PriorLevel[] = MNET_LEVELS): Float32Array {
  const key = `${width}x${height}:${levels.map((l) => `${l.step}/${l.minSizes.join(',')}`).join(';')}`;
  let priors = cache.get(key);
  if (priors === undefined) {
    priors = generatePriors(width, height, levels);
    cache.set(key, priors);
  }
  return priors;
}
