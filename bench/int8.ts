/**
 * int8 against float32 for the mesh and iris models (RESULTS "int8 models"): speed in ONNX Runtime and
 * how far the int8 outputs move from the float ones, on real crops the calibration never saw.
 *
 *   bash bench/run.sh bench/int8.ts [--runs N]
 *
 * The int8 models are built here, in memory, as tools/models would build them: the float graph from
 * the pinned package, PReLU slopes as 1x1 depthwise convolutions (channelScalesAsConvs), then QDQ
 * quantisation (quantize.ts) with the committed activation ranges of models/calibration/ (measured
 * on the HELEN fit half by tools/models/calibrate.ts). The crops timed and compared here come from
 * the REPORT half. All sessions run in this one process, round-robin, so machine noise hits all alike.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { halfOf, loadHelen } from './accuracy/datasets';
import { parseArgs } from './lib/args';
import { reportFooter } from './lib/command';
import { repoRoot, sharedDataDir } from './lib/paths';
import { median, percentile } from './lib/stats';
import { formatTable, type Row } from './lib/table';
import { collectCrops } from '../tools/models/face-crops';
import { encodeModel } from '../tools/models/onnx';
import { convertModel } from '../tools/models/produce';
import { channelScalesAsConvs, quantizeModel } from '../tools/models/quantize';
import { MODEL_SPECS, type ConvertedModelSpec } from '../tools/models/specs';

const args = parseArgs();
const runs = args.number('runs', 300);

interface Variant {
  label: string;
  session: ort.InferenceSession;
}

async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
}

async function variants(id: 'facemesh' | 'iris'): Promise<{ spec: ConvertedModelSpec; float: Variant; int8: Variant }> {
  const spec = MODEL_SPECS.find((s): s is ConvertedModelSpec => s.id === id && s.kind === 'tfjs-graph-to-onnx')!;
  const model = await convertModel(spec, path.join(repoRoot(), 'node_modules', spec.sourcePackage), 'bench');
  const table = JSON.parse(readFileSync(path.join(repoRoot(), 'models/calibration', `${id}.json`), 'utf8')) as { ranges: Record<string, { min: number; max: number }> };
  return {
    spec,
    float: { label: `${spec.file} float32`, session: await session(encodeModel(model)) },
    int8: { label: `${spec.file} int8 (QDQ, per-channel weights)`, session: await session(encodeModel(quantizeModel(channelScalesAsConvs(model), table.ranges))) },
  };
}

/** Median session.run time per variant, alternating variants and cycling through the crops. */
async function timeRoundRobin(list: readonly Variant[], inputs: readonly Float32Array[], shape: number[]): Promise<number[]> {
  const times = list.map((): number[] => []);
  for (let r = 0; r < runs + 20; r++) {
    const data = inputs[r % inputs.length];
    for (let k = 0; k < list.length; k++) {
      const s = list[k].session;
      const t0 = performance.now();
      await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', data, shape) });
      if (r >= 20) times[k].push(performance.now() - t0);
    }
  }
  return times.map((t) => median(t));
}

/** Per crop, the mean distance (crop pixels) between the two variants' points, and its p95 over crops. */
async function deviation(a: Variant, b: Variant, inputs: readonly Float32Array[], shape: number[], output: string, stride: number): Promise<{ mean: number; p95: number }> {
  const perCrop: number[] = [];
  for (const data of inputs) {
    const feed = (s: ort.InferenceSession) => ({ [s.inputNames[0]]: new ort.Tensor('float32', data, shape) });
    const x = (await a.session.run(feed(a.session)))[output].data as Float32Array;
    const y = (await b.session.run(feed(b.session)))[output].data as Float32Array;
    let sum = 0;
    for (let i = 0; i < x.length; i += stride) sum += Math.hypot(x[i] - y[i], x[i + 1] - y[i + 1]);
    perCrop.push(sum / (x.length / stride));
  }
  return { mean: perCrop.reduce((s, v) => s + v, 0) / perCrop.length, p95: percentile(perCrop, 95) };
}

const report = halfOf(loadHelen(path.join(sharedDataDir(), '300w-helen-test-crop')), 'report');
const crops = await collectCrops(report.map((f) => f.file));
const rows: Row[] = [];
for (const [id, inputs, shape, output] of [
  ['facemesh', crops.mesh, [1, 192, 192, 3], 'mesh'],
  ['iris', crops.iris, [2, 64, 64, 3], 'eye_landmarks'],
] as const) {
  const { float, int8 } = await variants(id);
  const [floatMs, int8Ms] = await timeRoundRobin([float, int8], inputs, [...shape]);
  const moved = await deviation(float, int8, inputs, [...shape], output, 3);
  rows.push({
    model: id === 'facemesh' ? 'FaceMesh 192x192' : 'Iris 64x64, both eyes (batch 2)',
    crops: inputs.length,
    'float32 ms': floatMs,
    'int8 ms': int8Ms,
    'int8 / float32 time': int8Ms / floatMs,
    'int8 points moved, mean px': moved.mean,
    'p95 over crops, px': moved.p95,
  });
  await Promise.all([float.session.release(), int8.session.release()]);
}
console.log(`${crops.mesh.length} mesh and ${crops.iris.length} iris inputs from the ${report.length} HELEN report-half crops; median session.run of ${runs} runs, 1 ORT thread, float and int8 alternating.`);
console.log('');
console.log(formatTable(rows));
console.log('');
console.log('Points moved: mean distance between the int8 and float32 outputs\' x, y, in the model\'s input pixels (192 for the mesh, 64 per eye).');
console.log('');
console.log(reportFooter('bench/int8.ts'));
