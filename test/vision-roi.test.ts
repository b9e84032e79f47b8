import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../src/vision/blazeface';
import { FaceVision } from '../src/vision/face-vision';
import type { RgbImage } from '../src/image/frame';
import { eyeRoi } from '../src/vision/iris';
import { roiFromDetection, roiFromMesh, roiLeavesImage } from '../src/vision/roi';
import { dataFile, loadJpeg, modelsDir, readJson } from './vision-fixtures';

describe('ROIs (analytic)', () => {
  const det = (re: [number, number], le: [number, number]): Detection => ({
    score: 1,
    box: { xMin: 100, yMin: 50, width: 80, height: 60 },
    keypoints: [re, le, [0, 0], [0, 0], [0, 0], [0, 0]],
  });

  it('from a detection: box centre, 1.5x the long side, eye-line angle', () => {
    const roi = roiFromDetection(det([120, 80], [160, 80]));
    expect(roi).toEqual({ centerX: 140, centerY: 80, size: 120, angle: 0 });
    // Left eye lower on screen = head rolled clockwise = positive angle.
    expect(roiFromDetection(det([120, 80], [160, 120])).angle).toBeCloseTo(Math.PI / 4, 9);
  });

  it('from a mesh: extents measured along the eye line', () => {
    // A 40 x 20 rectangle of points rotated by 30 degrees about (200, 100); 33 and 263 on its long axis.
    const a = Math.PI / 6;
    const pts = new Float32Array(468 * 3);
    const put = (i: number, u: number, v: number): void => {
      pts[i * 3] = 200 + Math.cos(a) * u - Math.sin(a) * v;
      pts[i * 3 + 1] = 100 + Math.sin(a) * u + Math.cos(a) * v;
    };
    for (let i = 0; i < 468; i++) put(i, 0, 0);
    put(0, -20, -10);
    put(1, 20, 10);
    put(33, -15, 0);
    put(263, 15, 0);
    const roi = roiFromMesh(pts);
    expect(roi.angle).toBeCloseTo(a, 5);
    expect(roi.size).toBeCloseTo(60, 3);
    expect(roi.centerX).toBeCloseTo(200, 3);
    expect(roi.centerY).toBeCloseTo(100, 3);
  });

  it('eye ROI: corner midpoint, 2.3x corner distance, along the corner line', () => {
    const pts = new Float32Array(468 * 3);
    pts.set([10, 20, 0], 33 * 3);
    pts.set([40, 60, 0], 133 * 3);
    const roi = eyeRoi(pts, 33, 133);
    expect(roi.centerX).toBe(25);
    expect(roi.centerY).toBe(40);
    expect(roi.size).toBeCloseTo(2.3 * 50, 9);
    expect(roi.angle).toBeCloseTo(Math.atan2(40, 30), 9);
  });

  it('roiLeavesImage', () => {
    expect(roiLeavesImage({ centerX: 50, centerY: 50, size: 60, angle: 0 }, 100, 100)).toBe(false);
    expect(roiLeavesImage({ centerX: 50, centerY: 50, size: 80, angle: 0 }, 100, 100)).toBe(false); // corners at 10 and 90
    expect(roiLeavesImage({ centerX: 50, centerY: 50, size: 80, angle: Math.PI / 4 }, 100, 100)).toBe(true); // corners at 50 +- 56.6
    expect(roiLeavesImage({ centerX: 90, centerY: 50, size: 40, angle: 0 }, 100, 100)).toBe(true);
    expect(roiLeavesImage({ centerX: 90, centerY: 50, size: 40, angle: 0 }, 100, 100, 0.25)).toBe(false);
  });
});

/** Exact 90-degree clockwise rotation: new (x', y') = (H-1-y, x). */
function rotate90(img: RgbImage): RgbImage {
  const { width: w, height: h } = img;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = (x * h + (h - 1 - y)) * 3;
      const s = (y * w + x) * 3;
      out[d] = img.data[s];
      out[d + 1] = img.data[s + 1];
      out[d + 2] = img.data[s + 2];
    }
  }
  return { width: h, height: w, data: out };
}

function mirror(img: RgbImage): RgbImage {
  const { width: w, height: h } = img;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out.set(img.data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3), (y * w + (w - 1 - x)) * 3);
  }
  return { width: w, height: h, data: out };
}

describe('rotated and mirrored faces (real image)', () => {
  let vision: FaceVision;
  let img: RgbImage;
  beforeAll(async () => {
    vision = await FaceVision.create({ modelsDir });
    const first = readJson<{ image: string }[]>(dataFile('300w-helen-test-crop/labels.json'))[0];
    img = loadJpeg(dataFile('300w-helen-test-crop', first.image));
  });
  afterAll(async () => vision.release());

  async function track(im: RgbImage): Promise<{ mesh: Float32Array; iris: Float32Array[]; angle: number }> {
    const d = (await vision.detect(im))[0];
    const roi = roiFromDetection(d);
    const a = await vision.mesh(im, roi);
    const m = await vision.mesh(im, roiFromMesh(a.points), new Float32Array(468 * 3));
    const ir = await vision.iris(im, m, false);
    return { mesh: m.points, iris: [Float32Array.from(ir.right.iris), Float32Array.from(ir.left.iris)], angle: roi.angle };
  }

  it('a face rotated 90 degrees gets a 90 degree ROI and the same mesh, rotated', async () => {
    const upright = await track(img);
    const turned = await track(rotate90(img));
    expect(Math.abs(upright.angle)).toBeLessThan(0.3);
    expect(turned.angle - upright.angle).toBeCloseTo(Math.PI / 2, 0);
    const h = img.height;
    let err = 0;
    for (let i = 0; i < 468; i++) {
      // Continuous coordinates: (x, y) -> (H - y, x).
      err += Math.hypot(turned.mesh[i * 3] - (h - upright.mesh[i * 3 + 1]), turned.mesh[i * 3 + 1] - upright.mesh[i * 3]);
    }
    const iod = Math.hypot(upright.mesh[263 * 3] - upright.mesh[33 * 3], upright.mesh[263 * 3 + 1] - upright.mesh[33 * 3 + 1]);
    // Same crop content up to resampling: mean point difference a small fraction of the eye distance.
    expect(err / 468 / iod).toBeLessThan(0.02);
  });

  it('a mirrored face gives mirrored irises (the left-eye flip is undone correctly)', async () => {
    const plain = await track(img);
    const flipped = await track(mirror(img));
    const w = img.width;
    const iod = Math.hypot(plain.iris[1][0] - plain.iris[0][0], plain.iris[1][1] - plain.iris[0][1]);
    // The subject's right eye in the mirror is the left eye of the original: x -> W - x.
    for (const [a, b] of [[0, 1], [1, 0]]) {
      expect(Math.hypot(flipped.iris[a][0] - (w - plain.iris[b][0]), flipped.iris[a][1] - plain.iris[b][1]) / iod).toBeLessThan(0.03);
    }
  });
});
