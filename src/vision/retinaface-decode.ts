/**
 * The TypeScript reference of the RetinaFace decode (biubug6/Pytorch_Retinaface utils/box_utils.py
 * decode and decode_landm): the native decodeRetinaFace (src/native/kernels.ts) is tested against it.
 * box centre = prior centre + offset * variance0 * prior size; box size = prior size *
 * exp(offset * variance1); landmarks like the centre. Face probability = softmax column 1.
 */
import type { Candidate } from './nms';

export interface RetinaFaceRaw {
  readonly priors: Float32Array;
  readonly boxes: Float32Array;
  readonly scores: Float32Array;
  readonly landmarks: Float32Array | null;
  readonly scoresAreLogits: boolean;
}

/** Candidates with score >= threshold, in prior order, normalised input coordinates. */
export function decodeRetinaFaceReference(
  raw: RetinaFaceRaw,
  variances: readonly [number, number],
  scoreThreshold: number,
): Candidate[] {
  const [v0, v1] = variances;
  const out: Candidate[] = [];
  const n = raw.priors.length / 4;
  for (let i = 0; i < n; i++) {
    const s0 = raw.scores[2 * i];
    const s1 = raw.scores[2 * i + 1];
    const score = raw.scoresAreLogits ? 1 / (1 + Math.exp(s0 - s1)) : s1;
    if (!(score >= scoreThreshold)) continue;
    const [pcx, pcy, pw, ph] = raw.priors.subarray(i * 4, i * 4 + 4);
    const b = raw.boxes.subarray(i * 4, i * 4 + 4);
    const cx = pcx + b[0] * v0 * pw;
    const cy = pcy + b[1] * v0 * ph;
    const w = pw * Math.exp(b[2] * v1);
    const h = ph * Math.exp(b[3] * v1);
    const keypoints = new Float32Array(raw.landmarks ? 10 : 0);
    if (raw.landmarks) {
      for (let k = 0; k < 10; k += 2) {
        keypoints[k] = pcx + raw.landmarks[i * 10 + k] * v0 * pw;
        keypoints[k + 1] = pcy + raw.landmarks[i * 10 + k + 1] * v0 * ph;
      }
    }
    out.push({ score, xMin: cx - w / 2, yMin: cy - h / 2, xMax: cx + w / 2, yMax: cy + h / 2, keypoints });
  }
  return out;
}

/** True when every row is a probability pair (both in [0, 1], summing to 1): the graph ends in a softmax. */
export function looksLikeProbabilities(scores: Float32Array): boolean {
  for (let i = 0; i < scores.length; i += 2) {
    const a = scores[i];
    const b = scores[i + 1];
    if (!(a >= 0 && a <= 1 && b >= 0 && b <= 1 && Math.abs(a + b - 1) < 1e-3)) return false;
  }
  return true;
}
