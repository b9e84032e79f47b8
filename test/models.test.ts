// The converted ONNX models must compute what the original tfjs graph models compute
// (tfjs-backend-cpu as the reference), on random inputs and on real face crops; the build
// must refuse tampered sources and do nothing when its outputs are up to date.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import jpeg from 'jpeg-js';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChecksumError, buildModels, readManifest, sha256, type Manifest } from '../tools/models/build';
import { MODEL_SPECS, type ConvertedModelSpec } from '../tools/models/specs';
import { convertTfjsGraph } from '../tools/models/convert';
import { encodeModel } from '../tools/models/onnx';
import { parseTfjsGraphModel, readTfjsGraphModel } from '../tools/models/tfjs-graph';
import { seededRandom } from './helpers/random';

const repoRoot = path.resolve(__dirname, '..');
const dataDir = path.resolve(repoRoot, '../shared/data');
const cropDir = path.join(dataDir, '300w-helen-test-crop');
const humanModels = path.join(repoRoot, 'node_modules/@vladmandic/human/models');
/** A converted model's tfjs source (model.json) inside its npm package. */
const sourceJson = (s: ConvertedModelSpec): string => path.join(repoRoot, 'node_modules', s.sourcePackage, s.sourceFiles[0]);
const TOLERANCE = 1e-3; // max|onnx - tfjs| <= TOLERANCE * max|tfjs|, per output
const FACE_COUNT = 3;

// --- helpers -------------------------------------------------------------------------

interface TfjsModelJson {
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: { outputs?: Record<string, { name: string }> };
  userDefinedMetadata?: Record<string, object>;
}

/** tfjs IOHandler reading model.json and its shards from disk (tfjs-core has no file:// loader). */
async function loadTfjsModel(jsonPath: string): Promise<{ model: GraphModel; json: TfjsModelJson }> {
  const json = JSON.parse(await readFile(jsonPath, 'utf8')) as TfjsModelJson;
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) shards.push(await readFile(path.join(path.dirname(jsonPath), p)));
  }
  const joined = Buffer.concat(shards);
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength),
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy ?? undefined,
      signature: json.signature,
      userDefinedMetadata: json.userDefinedMetadata,
    }),
  };
  return { model: await loadGraphModel(handler), json };
}


function randomInput(count: number, range: [number, number], seed: number): Float32Array {
  const next = seededRandom(seed);
  return Float32Array.from({ length: count }, () => range[0] + (range[1] - range[0]) * next());
}

interface Image {
  width: number;
  height: number;
  rgba: Uint8Array;
}

interface Face {
  image: Image;
  pts68: Array<[number, number]>;
}

async function loadFaces(count: number): Promise<Face[]> {
  if (!existsSync(cropDir)) throw new Error(`test data missing: ${cropDir} (see ../shared/data/README.md)`);
  const labels = JSON.parse(await readFile(path.join(cropDir, 'labels.json'), 'utf8')) as Array<{ image: string; pts68: Array<[number, number]> }>;
  const faces: Face[] = [];
  for (const label of labels.slice(0, count)) {
    const decoded = jpeg.decode(await readFile(path.join(cropDir, label.image)), { useTArray: true });
    faces.push({ image: { width: decoded.width, height: decoded.height, rgba: decoded.data }, pts68: label.pts68 });
  }
  return faces;
}

/**
 * Bilinear crop of the square (x0, y0, size) resized to out x out, NHWC RGB, pixel values mapped
 * linearly onto `range`; `mirror` flips horizontally (as human does for one eye).
 */
function cropSquare(image: Image, x0: number, y0: number, size: number, out: number, range: [number, number], mirror = false): Float32Array {
  const result = new Float32Array(out * out * 3);
  const scale = size / out;
  const sample = (x: number, y: number, c: number): number => {
    const cx = Math.min(Math.max(x, 0), image.width - 1);
    const cy = Math.min(Math.max(y, 0), image.height - 1);
    return image.rgba[(cy * image.width + cx) * 4 + c];
  };
  for (let j = 0; j < out; j++) {
    for (let i = 0; i < out; i++) {
      const u = mirror ? out - 1 - i : i;
      const sx = x0 + (u + 0.5) * scale - 0.5;
      const sy = y0 + (j + 0.5) * scale - 0.5;
      const xa = Math.floor(sx);
      const ya = Math.floor(sy);
      const fx = sx - xa;
      const fy = sy - ya;
      for (let c = 0; c < 3; c++) {
        const top = sample(xa, ya, c) * (1 - fx) + sample(xa + 1, ya, c) * fx;
        const bottom = sample(xa, ya + 1, c) * (1 - fx) + sample(xa + 1, ya + 1, c) * fx;
        const pixel = top * (1 - fy) + bottom * fy;
        result[(j * out + i) * 3 + c] = range[0] + (pixel / 255) * (range[1] - range[0]);
      }
    }
  }
  return result;
}

function landmarkBox(points: Array<[number, number]>, enlarge: number): { x0: number; y0: number; size: number } {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
  const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
  const size = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) * enlarge;
  return { x0: cx - size / 2, y0: cy - size / 2, size };
}

function concatBatch(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

async function runTfjs(model: GraphModel, input: Float32Array, shape: number[], outputs: string[]): Promise<Float32Array[]> {
  const x = tf.tensor(input, shape, 'float32');
  const result = model.execute(x, outputs);
  const tensors = Array.isArray(result) ? result : [result];
  const data = await Promise.all(tensors.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose([x, ...tensors]);
  return data;
}

async function runOnnx(session: ort.InferenceSession, input: Float32Array, shape: number[], outputs: string[]): Promise<Float32Array[]> {
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input, shape) };
  const result = await session.run(feeds);
  return outputs.map((name) => result[name].data as Float32Array);
}

function relativeMaxDiff(reference: Float32Array, actual: Float32Array): number {
  expect(actual.length).toBe(reference.length);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < reference.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - reference[i]));
    maxRef = Math.max(maxRef, Math.abs(reference[i]));
  }
  expect(maxRef).toBeGreaterThan(0);
  return maxDiff / maxRef;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const maxOf = (values: Float32Array): number => values.reduce((m, v) => Math.max(m, v), -Infinity);

/**
 * Decodes the best-scoring anchor as the manifest describes it: anchors on a 16x16 grid (2 per
 * cell) then an 8x8 grid (6 per cell), centre ((x + 0.5) * stride, (y + 0.5) * stride), box
 * centre = anchor centre + (dx, dy) in input pixels.
 */
function bestDetection(inputSize: number, scoresFine: Float32Array, boxesFine: Float32Array, scoresCoarse: Float32Array, boxesCoarse: Float32Array) {
  let best = { score: -Infinity, cx: 0, cy: 0, size: 0 };
  const grids = [
    { scores: scoresFine, boxes: boxesFine, cells: 16, perCell: 2 },
    { scores: scoresCoarse, boxes: boxesCoarse, cells: 8, perCell: 6 },
  ];
  for (const { scores, boxes, cells, perCell } of grids) {
    const stride = inputSize / cells;
    scores.forEach((logit, i) => {
      if (logit <= best.score) return;
      const cell = Math.floor(i / perCell);
      const ax = ((cell % cells) + 0.5) * stride;
      const ay = (Math.floor(cell / cells) + 0.5) * stride;
      best = { score: logit, cx: ax + boxes[i * 16], cy: ay + boxes[i * 16 + 1], size: Math.max(boxes[i * 16 + 2], boxes[i * 16 + 3]) };
    });
  }
  return { ...best, score: sigmoid(best.score) };
}

/** Centre of the labelled face (68 points) in the pixels of a square crop resized to `inputSize`. */
function faceCentreIn(face: Face, box: { x0: number; y0: number; size: number }, inputSize: number): [number, number] {
  const b = landmarkBox(face.pts68, 1);
  const s = inputSize / box.size;
  return [(b.x0 + b.size / 2 - box.x0) * s, (b.y0 + b.size / 2 - box.y0) * s];
}

const converted = MODEL_SPECS.filter((s): s is ConvertedModelSpec => s.kind === 'tfjs-graph-to-onnx');
function spec(id: string): ConvertedModelSpec {
  const found = converted.find((s) => s.id === id);
  if (!found) throw new Error(`no converted model ${id}`);
  return found;
}

/** Worst relative difference seen per model output, printed at the end for the record. */
const worst = new Map<string, number>();

/** Runs both runtimes on one batch and checks every output against the tolerance. */
async function expectSameOutputs(id: string, tfModel: GraphModel, session: ort.InferenceSession, input: Float32Array, shape: number[]) {
  const s = spec(id);
  const onnxNames = s.outputs.map((o) => o.name);
  const reference = await runTfjs(tfModel, input, shape, onnxNames.map((n) => s.tfOutputs[n]));
  const actual = await runOnnx(session, input, shape, onnxNames);
  const byName: Record<string, Float32Array> = {};
  onnxNames.forEach((name, i) => {
    const diff = relativeMaxDiff(reference[i], actual[i]);
    worst.set(`${id}/${name}`, Math.max(worst.get(`${id}/${name}`) ?? 0, diff));
    expect(diff, `${id}/${name}`).toBeLessThanOrEqual(TOLERANCE);
    byName[name] = actual[i];
  });
  return byName;
}

// --- equivalence -------------------------------------------------------------------------

describe('converted models match the tfjs originals', () => {
  let faces: Face[];
  const tfModels = new Map<string, GraphModel>();
  const sessions = new Map<string, ort.InferenceSession>();

  beforeAll(async () => {
    faces = await loadFaces(FACE_COUNT); // throws loudly if ../shared/data is missing
    await buildModels({ repoRoot, log: () => {} }); // no-op when up to date
    await tf.setBackend('cpu');
    for (const s of converted) {
      tfModels.set(s.id, (await loadTfjsModel(sourceJson(s))).model);
      sessions.set(s.id, await ort.InferenceSession.create(path.join(repoRoot, 'models', s.file)));
    }
  });

  afterAll(() => {
    for (const model of tfModels.values()) model.dispose();
    console.log(`max relative diff onnx vs tfjs: ${[...worst].map(([id, d]) => `${id} ${d.toExponential(2)}`).join(', ')}`);
  });

  it('blazeface-back: random inputs and real faces; decodes to the labelled face with [-1, 1] input', async () => {
    const id = 'blazeface-back';
    const shape = [1, 256, 256, 3];
    await expectSameOutputs(id, tfModels.get(id)!, sessions.get(id)!, randomInput(256 * 256 * 3, [-1, 1], 1), shape);
    for (const face of faces) {
      const box = landmarkBox(face.pts68, 3); // the full-range model is made for smaller faces
      const input = cropSquare(face.image, box.x0, box.y0, box.size, 256, [-1, 1]);
      const out = await expectSameOutputs(id, tfModels.get(id)!, sessions.get(id)!, input, shape);
      const best = bestDetection(256, out.scores_16x16, out.boxes_16x16, out.scores_8x8, out.boxes_8x8);
      const [cx, cy] = faceCentreIn(face, box, 256);
      expect(best.score).toBeGreaterThan(0.75);
      expect(Math.hypot(best.cx - cx, best.cy - cy)).toBeLessThan(0.1 * 256);
      expect(best.size / (256 / 3)).toBeGreaterThan(0.7); // labelled face spans 1/3 of the crop
      expect(best.size / (256 / 3)).toBeLessThan(1.5);
    }
  });

  it('facemesh: random batch of 2 and real faces; output names follow the tfjs signature', async () => {
    const id = 'facemesh';
    const { json } = await loadTfjsModel(path.join(humanModels, 'facemesh.json'));
    const signature = json.signature?.outputs ?? {};
    for (const name of ['mesh', 'faceflag', 'contours']) {
      expect(signature[`output_${name}`]?.name).toBe(`${spec(id).tfOutputs[name]}:0`);
    }
    const size = 192 * 192 * 3;
    await expectSameOutputs(id, tfModels.get(id)!, sessions.get(id)!, randomInput(2 * size, [0, 1], 2), [2, 192, 192, 3]);
    const crops = faces.map((face) => {
      const box = landmarkBox(face.pts68, 1.6);
      return cropSquare(face.image, box.x0, box.y0, box.size, 192, [0, 1]);
    });
    const out = await expectSameOutputs(id, tfModels.get(id)!, sessions.get(id)!, concatBatch(crops), [crops.length, 192, 192, 3]);
    for (const flag of out.faceflag) expect(flag).toBeGreaterThan(0.9);
  });

  it('iris: random batch of 2 and real eye crops (both eyes, one mirrored)', async () => {
    const id = 'iris';
    const size = 64 * 64 * 3;
    await expectSameOutputs(id, tfModels.get(id)!, sessions.get(id)!, randomInput(2 * size, [0, 1], 3), [2, 64, 64, 3]);
    for (const face of faces) {
      // iBUG 36/39: one eye's corners, 42/45: the other's; box 2.3x the corner span as human does.
      const eyes = [
        { corners: [face.pts68[36], face.pts68[39]], mirror: false },
        { corners: [face.pts68[42], face.pts68[45]], mirror: true },
      ].map(({ corners, mirror }) => {
        const box = landmarkBox(corners, 2.3);
        return cropSquare(face.image, box.x0, box.y0, box.size, 64, [0, 1], mirror);
      });
      await expectSameOutputs(id, tfModels.get(id)!, sessions.get(id)!, concatBatch(eyes), [2, 64, 64, 3]);
    }
  });

  it('facemesh-attention: random inputs and real faces; outputs are the named tfjs heads; refinement maps are the graph\'s own', async () => {
    const id = 'facemesh-attention';
    const s = spec(id);
    const graph = await readTfjsGraphModel(sourceJson(s));
    // Each output is the Identity of the head it is named after (only three are named in the signature).
    const heads: Record<string, string> = { mesh: 'output_mesh_identity' };
    for (const [name, tfName] of Object.entries(s.tfOutputs)) {
      const identity = graph.nodes.find((n) => n.name === tfName)!;
      expect(identity.op).toBe('Identity');
      expect(identity.inputs[0]).toContain(`/${heads[name] ?? `output_${name}`}/`);
    }
    // The manifest's refinement maps are the mesh indices the model gathers to place each crop.
    const refinement = s.notes.refinement as Record<string, unknown>;
    const gathered = graph.nodes.filter((n) => n.op === 'GatherV2').map((n) => Array.from(graph.weights.get(n.inputs[1])?.values ?? []));
    for (const part of ['lips', 'left_eye', 'right_eye']) expect(gathered).toContainEqual(refinement[part]);

    const shape = [1, 192, 192, 3];
    for (const seed of [4, 5]) await expectSameOutputs(id, tfModels.get(id)!, sessions.get(id)!, randomInput(192 * 192 * 3, [0, 1], seed), shape);
    const mean = (v: Float32Array, offset: number) => v.filter((_, i) => i % 2 === offset).reduce((a, b) => a + b, 0) / (v.length / 2);
    for (const face of faces) {
      const box = landmarkBox(face.pts68, 1.6);
      const out = await expectSameOutputs(id, tfModels.get(id)!, sessions.get(id)!, cropSquare(face.image, box.x0, box.y0, box.size, 192, [0, 1]), shape);
      expect(out.faceflag[0]).toBeGreaterThan(0.9);
      // left_eye is the eye on the image's left, and each iris centre lies between its eye's corners.
      expect(mean(out.left_eye, 0)).toBeLessThan(mean(out.right_eye, 0) - 20);
      for (const [eye, iris] of [[out.left_eye, out.left_iris], [out.right_eye, out.right_iris]]) {
        const [x0, x1] = [eye[0], eye[16]].sort((a, b) => a - b); // contour points 0 and 8: the corners
        expect(iris[0]).toBeGreaterThan(x0);
        expect(iris[0]).toBeLessThan(x1);
      }
    }
  });
});

// --- converter ops without a counterpart in ONNX ----------------------------------------

describe('converter: Atan2', () => {
  it('matches Math.atan2 in all four quadrants, on both axes and at the origin', async () => {
    const values = [-3, -1, -0.25, 0, 1e-30, 0.25, 1, 3];
    const pairs = values.flatMap((y) => values.map((x) => [y, x]));
    const n = pairs.length;
    // input [1, n, 2] holds (y, x) pairs; two StridedSlices split it, Atan2 joins them.
    const ints = [0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 2];
    const consts = ['begin_y', 'end_y', 'strides', 'begin_x', 'end_x'];
    const slice = (name: string, begin: string, end: string) => ({
      name,
      op: 'StridedSlice',
      input: ['input', begin, end, 'strides'],
      attr: { begin_mask: { i: '3' }, end_mask: { i: '3' }, shrink_axis_mask: { i: '4' } },
    });
    const json = {
      modelTopology: {
        node: [
          { name: 'input', op: 'Placeholder', attr: {} },
          ...consts.map((name) => ({ name, op: 'Const', attr: {} })),
          slice('y', 'begin_y', 'end_y'),
          slice('x', 'begin_x', 'end_x'),
          { name: 'atan2', op: 'Atan2', input: ['y', 'x'], attr: {} },
        ],
      },
      weightsManifest: [{ paths: ['w.bin'], weights: consts.map((name) => ({ name, shape: [3], dtype: 'int32' })) }],
    };
    const graph = parseTfjsGraphModel(json, new Map([['w.bin', new Uint8Array(Int32Array.from(ints).buffer)]]));
    const model = convertTfjsGraph(graph, {
      graphName: 'atan2',
      input: { tfName: 'input', onnxName: 'input', shape: [1, n, 2] },
      outputs: [{ tfName: 'atan2', onnxName: 'angle' }],
      producerName: 'test',
      producerVersion: '0',
      docString: '',
      metadata: {},
    });
    const session = await ort.InferenceSession.create(encodeModel(model));
    const result = await session.run({ input: new ort.Tensor('float32', Float32Array.from(pairs.flat()), [1, n, 2]) });
    const angles = result.angle.data as Float32Array;
    pairs.forEach(([y, x], i) => expect(angles[i], `atan2(${y}, ${x})`).toBeCloseTo(Math.atan2(y, x), 6));
  });
});

// --- the copied front detector ---------------------------------------------------------

describe('blazeface-front (copied from keijiro)', () => {
  it('loads with the manifest names and shapes; decodes to the labelled face with [-1, 1] input', async () => {
    const faces = await loadFaces(FACE_COUNT);
    await buildModels({ repoRoot, log: () => {} });
    const manifest = (await readManifest(path.join(repoRoot, 'models/manifest.json')))!;
    const entry = manifest.models['blazeface-front'];
    const session = await ort.InferenceSession.create(path.join(repoRoot, 'models/blazeface-front.onnx'));
    expect(session.inputNames).toEqual(entry.inputs.map((i) => i.name));
    expect([...session.outputNames].sort()).toEqual(entry.outputs.map((o) => o.name).sort());
    expect(entry.inputs[0].shape).toEqual([1, 128, 128, 3]);

    for (const face of faces) {
      // The short-range model wants a face filling much of the frame.
      const box = landmarkBox(face.pts68, 1.8);
      const input = cropSquare(face.image, box.x0, box.y0, box.size, 128, [-1, 1]);
      const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, [1, 128, 128, 3]) });
      for (const o of entry.outputs) expect(result[o.name].dims).toEqual(o.shape);
      const [scoresFine, boxesFine, scoresCoarse, boxesCoarse] = entry.outputs.map((o) => result[o.name].data as Float32Array);
      const best = bestDetection(128, scoresFine, boxesFine, scoresCoarse, boxesCoarse);
      const [cx, cy] = faceCentreIn(face, box, 128);
      expect(best.score).toBeGreaterThan(0.75);
      expect(Math.hypot(best.cx - cx, best.cy - cy)).toBeLessThan(0.1 * 128);
      expect(best.size / (128 / 1.8)).toBeGreaterThan(0.7); // labelled face spans 1/1.8 of the crop
      expect(best.size / (128 / 1.8)).toBeLessThan(1.5);
    }
  });
});

// --- the build itself ------------------------------------------------------------------

describe('model build', () => {
  let temp: string;
  let manifest: Manifest;
  beforeAll(async () => {
    temp = await mkdtemp(path.join(os.tmpdir(), 'vtlink-models-'));
    manifest = (await readManifest(path.join(repoRoot, 'models/manifest.json')))!;
  });
  afterAll(async () => {
    await rm(temp, { recursive: true, force: true });
  });

  it('manifest names and shapes match what onnxruntime reports for every model', async () => {
    for (const s of MODEL_SPECS) {
      const entry = manifest.models[s.id];
      const session = await ort.InferenceSession.create(path.join(repoRoot, 'models', entry.file));
      expect(session.inputNames).toEqual(entry.inputs.map((i) => i.name));
      expect([...session.outputNames].sort()).toEqual(entry.outputs.map((o) => o.name).sort());
      const metadata = session.inputMetadata[0];
      expect(metadata.isTensor && metadata.shape).toEqual(entry.inputs[0].shape);
    }
  });

  it('is deterministic and idempotent: rebuilds match the manifest, then do nothing', async () => {
    const modelsDir = path.join(temp, 'idempotent');
    await mkdir(modelsDir);
    const manifestPath = path.join(modelsDir, 'manifest.json');
    await copyFile(path.join(repoRoot, 'models/manifest.json'), manifestPath);

    const first = await buildModels({ repoRoot, modelsDir, manifestPath, log: () => {} });
    expect(first.built).toEqual(MODEL_SPECS.map((s) => s.id));
    for (const s of MODEL_SPECS) {
      expect(sha256(await readFile(path.join(modelsDir, s.file)))).toBe(manifest.models[s.id].sha256);
    }
    const before = await Promise.all(MODEL_SPECS.map(async (s) => (await stat(path.join(modelsDir, s.file))).mtimeMs));

    const lines: string[] = [];
    const second = await buildModels({ repoRoot, modelsDir, manifestPath, log: (l) => lines.push(l) });
    expect(second.upToDate).toBe(true);
    expect(lines).toHaveLength(1);
    const after = await Promise.all(MODEL_SPECS.map(async (s) => (await stat(path.join(modelsDir, s.file))).mtimeMs));
    expect(after).toEqual(before);

    // A damaged output is rebuilt, alone.
    const meshPath = path.join(modelsDir, 'facemesh.onnx');
    const bytes = await readFile(meshPath);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(meshPath, bytes);
    const third = await buildModels({ repoRoot, modelsDir, manifestPath, log: () => {} });
    expect(third.built).toEqual(['facemesh']);
    expect(sha256(await readFile(meshPath))).toBe(manifest.models.facemesh.sha256);
  });

  it('refuses a source whose sha256 differs from the manifest, naming file and both hashes', async () => {
    const nodeModulesDir = path.join(temp, 'node_modules');
    for (const s of MODEL_SPECS) {
      const packageDir = path.join(repoRoot, 'node_modules', s.sourcePackage);
      for (const file of ['package.json', ...s.sourceFiles]) {
        await mkdir(path.dirname(path.join(nodeModulesDir, s.sourcePackage, file)), { recursive: true });
        await copyFile(path.join(packageDir, file), path.join(nodeModulesDir, s.sourcePackage, file));
      }
    }
    const tampered = path.join(nodeModulesDir, '@vladmandic/human/models/facemesh.bin');
    const bytes = await readFile(tampered);
    bytes[1000] ^= 0x01;
    await writeFile(tampered, bytes);
    const modelsDir = path.join(temp, 'refused');
    await mkdir(modelsDir);

    const expected = manifest.models.facemesh.source.files.find((f) => f.path === 'models/facemesh.bin')!.sha256;
    const attempt = buildModels({ repoRoot, nodeModulesDir, modelsDir, manifestPath: path.join(repoRoot, 'models/manifest.json'), log: () => {} });
    await expect(attempt).rejects.toThrow(ChecksumError);
    await expect(attempt).rejects.toThrow(tampered);
    await expect(attempt).rejects.toThrow(expected);
    await expect(attempt).rejects.toThrow(sha256(bytes));
    // Refused before anything is produced.
    for (const s of MODEL_SPECS) expect(existsSync(path.join(modelsDir, s.file))).toBe(false);
  });
});
