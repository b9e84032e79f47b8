/**
 * Weighted (blended) non-maximum suppression, MediaPipe's NonMaxSuppressionCalculator "WEIGHTED"
 * mode: take the best remaining candidate, gather every remaining candidate whose IoU with it is
 * above the threshold (the best one included), and output the score-weighted average of their boxes
 * and keypoints with the best candidate's score. Averaging many overlapping anchors gives a steadier
 * box than keeping one, which matters for a tracker's first ROI.
 */

export interface Candidate {
  score: number;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
  /** Keypoints interleaved [x0, y0, x1, y1, ...], same coordinate frame as the box. */
  keypoints: Float32Array;
}

export function iou(a: Candidate, b: Candidate): number {
  const ix = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin);
  const iy = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin);
  if (ix <= 0 || iy <= 0) return 0;
  const inter = ix * iy;
  const union = (a.xMax - a.xMin) * (a.yMax - a.yMin) + (b.xMax - b.xMin) * (b.yMax - b.yMin) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * @param candidates any order; not modified.
 * @param iouThreshold a candidate joins the cluster when IoU > threshold (MediaPipe: 0.3).
 * @param maxDetections stop after this many clusters.
 */
export function weightedNms(candidates: readonly Candidate[], iouThreshold: number, maxDetections: number): Candidate[] {
  const remaining = [...candidates].sort((a, b) => b.score - a.score);
  const out: Candidate[] = [];
  while (remaining.length > 0 && out.length < maxDetections) {
    const best = remaining[0];
    const keep: Candidate[] = [];
    const kpCount = best.keypoints.length;
    const sumKp = new Float32Array(kpCount);
    let sumW = 0;
    let x0 = 0;
    let y0 = 0;
    let x1 = 0;
    let y1 = 0;
    for (const c of remaining) {
      if (c !== best && iou(best, c) <= iouThreshold) {
        keep.push(c);
        continue;
      }
      const w = c.score;
      sumW += w;
      x0 += c.xMin * w;
      y0 += c.yMin * w;
      x1 += c.xMax * w;
      y1 += c.yMax * w;
      for (let k = 0; k < kpCount; k++) sumKp[k] += c.keypoints[k] * w;
    }
    if (sumW > 0) {
      for (let k = 0; k < kpCount; k++) sumKp[k] /= sumW;
      out.push({ score: best.score, xMin: x0 / sumW, yMin: y0 / sumW, xMax: x1 / sumW, yMax: y1 / sumW, keypoints: sumKp });
    } else {
      out.push({ ...best, keypoints: Float32Array.from(best.keypoints) });
    }
    remaining.length = 0;
    remaining.push(...keep);
  }
  return out;
}
