import { describe, expect, it } from 'vitest';
import { BACK_ANCHORS, FRONT_ANCHORS, generateAnchors } from '../src/vision/anchors';
import { iou, weightedNms, type Candidate } from '../src/vision/nms';

describe('SSD anchors', () => {
  it('front (128, strides 8/16/16/16) has 896 anchors: 16x16x2 then 8x8x6', () => {
    const a = generateAnchors(FRONT_ANCHORS);
    expect(a.length / 2).toBe(896);
    // Cell (x=3, y=5) of the stride-8 grid, second anchor: index 2 * (5 * 16 + 3) + 1.
    const i = 2 * (5 * 16 + 3) + 1;
    expect(a[i * 2]).toBeCloseTo((3 + 0.5) * 8 / 128, 6);
    expect(a[i * 2 + 1]).toBeCloseTo((5 + 0.5) * 8 / 128, 6);
    // Cell (x=7, y=2) of the stride-16 grid, sixth anchor: after the 512 fine anchors.
    const j = 512 + 6 * (2 * 8 + 7) + 5;
    expect(a[j * 2]).toBeCloseTo((7 + 0.5) * 16 / 128, 6);
    expect(a[j * 2 + 1]).toBeCloseTo((2 + 0.5) * 16 / 128, 6);
    expect(a[895 * 2]).toBeCloseTo(1 - 0.5 / 8, 6);
  });

  it('back (256, strides 16/32/32/32) has 896 anchors on the same normalised grid', () => {
    const back = generateAnchors(BACK_ANCHORS);
    const front = generateAnchors(FRONT_ANCHORS);
    expect(back.length / 2).toBe(896);
    // Same grids (16x16, 8x8) in normalised units, so the centres coincide.
    for (let i = 0; i < front.length; i++) expect(back[i]).toBeCloseTo(front[i], 6);
    expect(back[0]).toBeCloseTo(8 / 256, 6);
  });
});

function cand(score: number, xMin: number, yMin: number, xMax: number, yMax: number, kp: number[]): Candidate {
  return { score, xMin, yMin, xMax, yMax, keypoints: Float32Array.from(kp) };
}

describe('weighted NMS', () => {
  it('iou of two offset unit squares', () => {
    // Overlap 0.5 x 1 = 0.5; union 2 - 0.5 = 1.5.
    expect(iou(cand(1, 0, 0, 1, 1, []), cand(1, 0.5, 0, 1.5, 1, []))).toBeCloseTo(1 / 3, 6);
    expect(iou(cand(1, 0, 0, 1, 1, []), cand(1, 2, 2, 3, 3, []))).toBe(0);
  });

  it('blends overlapping boxes by score, keeps the best score, leaves separate faces alone', () => {
    const a = cand(0.9, 0, 0, 10, 10, [2, 3]);
    const b = cand(0.6, 1, 1, 11, 11, [4, 5]); // IoU with a = 81 / 119 = 0.68
    const c = cand(0.3, 2, 0, 12, 10, [6, 7]); // IoU with a = 80 / 120 = 0.67
    const far = cand(0.8, 50, 50, 60, 60, [55, 55]);
    const edge = cand(0.7, 7, 0, 17, 10, [12, 5]); // IoU with a = 30 / 170 = 0.18: its own cluster
    const out = weightedNms([c, far, b, edge, a], 0.3, 10);
    expect(out.length).toBe(3);
    // By hand: weights 0.9, 0.6, 0.3 (sum 1.8).
    const w = (x: number, y: number, z: number): number => (0.9 * x + 0.6 * y + 0.3 * z) / 1.8;
    expect(out[0].score).toBe(0.9);
    expect(out[0].xMin).toBeCloseTo(w(0, 1, 2), 5); // 0.6667
    expect(out[0].yMin).toBeCloseTo(w(0, 1, 0), 5); // 0.3333
    expect(out[0].xMax).toBeCloseTo(w(10, 11, 12), 5);
    expect(out[0].yMax).toBeCloseTo(w(10, 11, 10), 5);
    expect(out[0].keypoints[0]).toBeCloseTo(w(2, 4, 6), 5);
    expect(out[0].keypoints[1]).toBeCloseTo(w(3, 5, 7), 5);
    expect(out[1].score).toBe(0.8);
    expect(out[1].xMin).toBe(50);
    expect(out[2].score).toBe(0.7);
    expect(out[2].keypoints[0]).toBeCloseTo(12, 4);
  });

  it('respects maxDetections and does not modify its input', () => {
    const input = [cand(0.5, 0, 0, 1, 1, [0, 0]), cand(0.9, 5, 5, 6, 6, [0, 0])];
    const out = weightedNms(input, 0.3, 1);
    expect(out.length).toBe(1);
    expect(out[0].score).toBe(0.9);
    expect(input[0].score).toBe(0.5);
  });
});
