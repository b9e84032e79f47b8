import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeRetinaFace } from '../src/native/kernels';
import { createRgbImage } from '../src/image/frame';
import { weightedNms } from '../src/vision/nms';
import { RetinaFaceDetector } from '../src/vision/retinaface';
import { decodeRetinaFaceReference } from '../src/vision/retinaface-decode';
import { MNET_LEVELS, MNET_VARIANCES, cachedPriors, generatePriors, priorCount } from '../src/vision/retinaface-priors';
import { ModelLoadError } from '../src/vision/session';
import { buildMnetModel } from '../tools/retinaface/mnet-model';
import { pruneFinestLevel } from '../tools/retinaface/prune';
import { dataDir, modelsDir, repoRoot } from './vision-fixtures';

const outDir = path.join(repoRoot, 'build', 'test-retinaface');
const file = (name: string): string => path.join(outDir, name);

/** Deterministic values in [-amp, amp). */
function noise(n: number, seed: number, amp = 1): Float32Array {
  let s = seed >>> 0;
  return new Float32Array(n).map(() => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 31 - 1) * amp;
  });
}

describe('RetinaFace priors', () => {
  it('match OpenSeeFace priorbox_640x640.json exactly (16800 priors, float32)', () => {
    const json = path.join(dataDir, 'peer-models', 'priorbox_640x640.json');
    const expected = JSON.parse(readFileSync(json, 'utf8')) as number[][];
    const priors = generatePriors(640, 640);
    expect(expected.length).toBe(16800);
    expect(priors.length).toBe(16800 * 4);
    let mismatches = 0;
    for (let i = 0; i < expected.length; i++) {
      for (let k = 0; k < 4; k++) if (priors[i * 4 + k] !== Math.fround(expected[i][k])) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('count for non-square inputs and per level; cached arrays are reused', () => {
    expect(priorCount(640, 480)).toBe(80 * 60 * 2 + 40 * 30 * 2 + 20 * 15 * 2);
    expect(priorCount(256, 192, MNET_LEVELS.slice(1))).toBe(16 * 12 * 2 + 8 * 6 * 2);
    const p = generatePriors(640, 480);
    // Row 3, column 5 of the stride-16 grid, second min size (128).
    const i = 9600 + (3 * 40 + 5) * 2 + 1;
    expect(Array.from(p.subarray(i * 4, i * 4 + 4))).toEqual([88 / 640, 56 / 480, 128 / 640, 128 / 480].map(Math.fround));
    expect(cachedPriors(640, 480)).toBe(cachedPriors(640, 480));
  });
});

describe('RetinaFace decode (native, shared weighted NMS)', () => {
  it('decodes hand-computed boxes and landmarks', () => {
    // Two priors far apart: (0.25, 0.25, 0.1, 0.2) and (0.75, 0.75, 0.2, 0.2).
    const priors = Float32Array.from([0.25, 0.25, 0.1, 0.2, 0.75, 0.75, 0.2, 0.2]);
    // Prior 0: centre moves by +1 variance unit in x (0.1 * 0.1 = 0.01), width x e (log offset 5 * 0.2 = 1).
    const boxes = Float32Array.from([1, 0, 5, 0, 0, -2, 0, 0]);
    const scores = Float32Array.from([0.1, 0.9, 0.8, 0.2]); // probabilities: prior 1 is below 0.5
    const landmarks = new Float32Array(20);
    landmarks[0] = 10; // x of landmark 0: 0.25 + 10 * 0.1 * 0.1 = 0.35
    landmarks[9] = -5; // y of landmark 4: 0.25 - 5 * 0.1 * 0.2 = 0.15
    const out = new Float32Array(10 * 15);
    const opts = { variances: MNET_VARIANCES, scoresAreLogits: false, scoreThreshold: 0.5, iouThreshold: 0.4, maxDetections: 10 };
    expect(decodeRetinaFace(priors, boxes, scores, landmarks, out, opts)).toBe(1);
    const w = 0.1 * Math.E;
    const expected = [0.9, 0.26 - w / 2, 0.25 - 0.1, 0.26 + w / 2, 0.25 + 0.1, 0.35, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.15];
    for (let k = 0; k < 15; k++) expect(out[k]).toBeCloseTo(expected[k], 6);
    // Logits: softmax([0, ln 9]) = 0.9; both priors pass at threshold 0.05; no landmarks -> rows of 5.
    const logits = Float32Array.from([0, Math.log(9), 0, 0]);
    const n = decodeRetinaFace(priors, boxes, logits, null, out, { ...opts, scoresAreLogits: true, scoreThreshold: 0.05 });
    expect(n).toBe(2);
    expect(out[0]).toBeCloseTo(0.9, 6);
    expect(out[5]).toBeCloseTo(0.5, 6);
    expect(out[7]).toBeCloseTo(0.75 - 2 * 0.1 * 0.2 - 0.1, 6); // prior 1: yMin = cy - h / 2
  });

  it('native decode + NMS equals the TypeScript reference + nms.ts on dense random outputs', () => {
    const priors = cachedPriors(256, 192);
    const n = priors.length / 4;
    const boxes = noise(n * 4, 1, 1.5);
    const logits = noise(n * 2, 2, 3);
    const landmarks = noise(n * 10, 3, 2);
    for (const withLandmarks of [true, false]) {
      const raw = { priors, boxes, scores: logits, landmarks: withLandmarks ? landmarks : null, scoresAreLogits: true };
      const expected = weightedNms(decodeRetinaFaceReference(raw, MNET_VARIANCES, 0.9), 0.4, 20);
      const row = withLandmarks ? 15 : 5;
      const out = new Float32Array(20 * row);
      const count = decodeRetinaFace(priors, boxes, logits, raw.landmarks, out, {
        variances: MNET_VARIANCES,
        scoresAreLogits: true,
        scoreThreshold: 0.9,
        iouThreshold: 0.4,
        maxDetections: 20,
      });
      expect(count).toBe(expected.length);
      expect(count).toBeGreaterThan(5);
      for (let d = 0; d < count; d++) {
        const e = expected[d];
        const got = Array.from(out.subarray(d * row, d * row + row));
        const want = [e.score, e.xMin, e.yMin, e.xMax, e.yMax, ...Array.from(e.keypoints)];
        for (let k = 0; k < row; k++) expect(got[k]).toBeCloseTo(want[k], 5);
      }
    }
  });
});

describe('RetinaFace-MobileNet-0.25 architecture (random weights) and the close-range graph pruner', () => {
  beforeAll(() => {
    mkdirSync(outDir, { recursive: true });
    const full = buildMnetModel();
    writeFileSync(file('mnet-random.onnx'), full);
    writeFileSync(file('mnet-random-pruned.onnx'), pruneFinestLevel(full).model);
    writeFileSync(file('mnet-random-nolandmarks.onnx'), buildMnetModel({ landmarks: false, softmax: false }));
    writeFileSync(file('mnet-random-3anchors.onnx'), buildMnetModel({ anchorsPerLocation: 3 }));
  });

  it('the pruned graph computes the kept levels exactly as the full graph, with fewer nodes', async () => {
    const { report } = pruneFinestLevel(readFileSync(file('mnet-random.onnx')));
    // merge1 (+ act), upsample, add, output1 (+ act), SSH1 (8 convs/acts + cat + relu), 3 heads x 3 nodes.
    expect(report.removedNodes).toBeGreaterThanOrEqual(20);
    const [h, w] = [192, 256];
    const input = new ort.Tensor('float32', noise(3 * h * w, 7, 100), [1, 3, h, w]);
    const fullS = await ort.InferenceSession.create(file('mnet-random.onnx'));
    const prunedS = await ort.InferenceSession.create(file('mnet-random-pruned.onnx'));
    const full = await fullS.run({ input });
    const pruned = await prunedS.run({ input });
    const skip = priorCount(w, h) - priorCount(w, h, MNET_LEVELS.slice(1));
    for (const [name, k] of [['boxes', 4], ['scores', 2], ['landmarks', 10]] as const) {
      const a = full[name].data as Float32Array;
      const b = pruned[name].data as Float32Array;
      expect(pruned[name].dims).toEqual([1, priorCount(w, h, MNET_LEVELS.slice(1)), k]);
      let maxDiff = 0;
      for (let i = 0; i < b.length; i++) maxDiff = Math.max(maxDiff, Math.abs(b[i] - a[skip * k + i]));
      expect(maxDiff).toBeLessThanOrEqual(1e-6);
    }
    await fullS.release();
    await prunedS.release();
  });

  it('detects through the detector interface at any frame size; close range finds the same as the pruned graph', async () => {
    const image = createRgbImage(320, 240);
    const px = noise(image.data.length, 11);
    for (let i = 0; i < px.length; i++) image.data[i] = Math.floor((px[i] + 1) * 127.5);
    const opts = { scoreThreshold: 0.55, maxDetections: 5 };
    const full = await RetinaFaceDetector.create(file('mnet-random.onnx'), { ...opts, mode: 'full' });
    const close = await RetinaFaceDetector.create(file('mnet-random.onnx'), { ...opts, mode: 'close-range', inputScale: 1 });
    const pruned = await RetinaFaceDetector.create(file('mnet-random-pruned.onnx'), { ...opts, mode: 'close-range', inputScale: 1 });
    const a = await full.detect(image);
    const b = await close.detect(image);
    const c = await pruned.detect(image);
    expect(full.inputSizeFor(320, 240)).toEqual([320, 256]);
    expect(close.graphPruned).toBe(false);
    expect(pruned.graphPruned).toBe(true);
    expect(a.length).toBe(5); // random weights: many boxes above 0.55
    for (const d of a) {
      expect(d.keypoints).toHaveLength(6);
      expect(d.score).toBeGreaterThanOrEqual(0.55);
      expect(Number.isFinite(d.box.xMin + d.box.yMin + d.box.width + d.box.height)).toBe(true);
    }
    expect(c.length).toBe(b.length);
    for (let i = 0; i < b.length; i++) {
      expect(c[i].score).toBeCloseTo(b[i].score, 6);
      expect(c[i].box.xMin).toBeCloseTo(b[i].box.xMin, 3);
      expect(c[i].box.height).toBeCloseTo(b[i].box.height, 3);
    }
    await Promise.all([full.release(), close.release(), pruned.release()]);
  });

  it('a model without a landmark head and with logit scores works (keypoints placed in the box)', async () => {
    const det = await RetinaFaceDetector.create(file('mnet-random-nolandmarks.onnx'), { scoreThreshold: 0.5 });
    expect(det.info.landmarksName).toBeNull();
    const faces = await det.detect(createRgbImage(128, 96));
    for (const f of faces) {
      expect(f.keypoints[0][1]).toBeCloseTo(f.keypoints[1][1], 6); // eyes level: ROI angle 0
      expect(f.keypoints[0][0]).toBeLessThan(f.keypoints[1][0]);
    }
    await det.release();
  });

  it('refuses wrong or corrupt model files, saying what was expected', async () => {
    const bytes = readFileSync(file('mnet-random.onnx'));
    writeFileSync(file('truncated.onnx'), bytes.subarray(0, bytes.length >> 1));
    writeFileSync(file('empty.onnx'), new Uint8Array(0));
    const expectError = async (f: string, pattern: RegExp): Promise<void> => {
      const err = await RetinaFaceDetector.create(f).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ModelLoadError);
      expect((err as Error).message).toMatch(pattern);
      expect((err as Error).message).toContain('[1,3,H,W]');
    };
    await expectError(file('truncated.onnx'), /truncated or corrupt/);
    await expectError(file('empty.onnx'), /empty/);
    await expectError(file('missing.onnx'), /not found/);
    // BlazeFace is NHWC with its own outputs.
    await expectError(path.join(modelsDir, 'blazeface-front.onnx'), /NCHW/);
    // Three anchors a location: the outputs do not fit the priors (found at the first frame).
    const det = await RetinaFaceDetector.create(file('mnet-random-3anchors.onnx'));
    const err = await det.detect(createRgbImage(64, 64)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).message).toMatch(/outputs hold 252 priors for a 64x64 input, expected 168/);
    await det.release();
  });
});
