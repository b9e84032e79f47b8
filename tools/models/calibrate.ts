/**
 * Measures the activation ranges the int8 models are built with (models/calibration/*.json), on real
 * face crops: the FIT half of the 300-W HELEN test crops in ../shared/data (the REPORT half, on which
 * every accuracy figure is measured, is never seen). A developer tool: `npm ci` only reads the
 * committed tables, so installs need no data set.
 *
 *   bash bench/run.sh tools/models/calibrate.ts [--write]
 *
 * Each face gives the crops the tracker feeds: the mesh input from the detection's ROI and from the
 * ROI of that mesh (the ROI every tracked frame uses), and both eyes' iris input from the second mesh.
 * Every activation the quantiser will quantise is read back from ONNX Runtime (a calibration copy of
 * the float model lists them as outputs); the range kept per tensor is the RANGE_METHOD below.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { halfOf, loadHelen } from '../../bench/accuracy/datasets';
import { repoRoot, sharedDataDir } from '../../bench/lib/paths';
import { collectCrops } from './face-crops';
import { convertModel } from './produce';
import { encodeModel } from './onnx';
import { activationsToCalibrate, withActivationOutputs, type TensorRange } from './quantize';
import { MODEL_SPECS, type ConvertedModelSpec } from './specs';

/**
 * How a tensor's range is chosen from the crops: 'mean-extremes' = the mean over crops of each crop's
 * own min and max; 'minmax' = the extremes over all crops. Measured with bench/int8.ts (RESULTS "int8
 * models"): int8 outputs moved from float by 0.60 / 0.28 px (mesh / iris) with mean-extremes and
 * 0.47 / 0.68 px with minmax; the iris, whose points drive gaze and blinks, decides.
 */
export type RangeMethod = 'minmax' | 'mean-extremes';
export const RANGE_METHOD: RangeMethod = 'mean-extremes';

export interface CalibrationTable {
  model: string;
  description: string;
  method: RangeMethod;
  samples: number;
  ranges: Record<string, TensorRange>;
}

/** Per-crop extremes of every activation, reduced to one range per tensor by `method`. */
async function measureRanges(spec: ConvertedModelSpec, inputs: readonly Float32Array[], batch: number, method: RangeMethod): Promise<Record<string, TensorRange>> {
  const packageDir = path.join(repoRoot(), 'node_modules', spec.sourcePackage);
  const model = await convertModel(spec, packageDir, 'calibration');
  const names = activationsToCalibrate(model);
  const session = await ort.InferenceSession.create(encodeModel(withActivationOutputs(model)), { intraOpNumThreads: 2, logSeverityLevel: 3 });
  const inputName = model.graph.inputs[0].name;
  const shape = [batch, ...spec.inputs[0].shape.slice(1).map(Number)];
  const mins = new Map<string, number[]>(names.map((n) => [n, []]));
  const maxs = new Map<string, number[]>(names.map((n) => [n, []]));
  const record = (name: string, data: Float32Array): void => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    mins.get(name)!.push(lo);
    maxs.get(name)!.push(hi);
  };
  try {
    for (const input of inputs) {
      const result = await session.run({ [inputName]: new ort.Tensor('float32', input, shape) });
      record(inputName, input);
      for (const name of names) if (name !== inputName) record(name, result[name].data as Float32Array);
    }
  } finally {
    await session.release();
  }
  const ranges: Record<string, TensorRange> = {};
  for (const name of names) {
    const lo = mins.get(name)!;
    const hi = maxs.get(name)!;
    ranges[name] =
      method === 'minmax'
        ? { min: Math.min(...lo), max: Math.max(...hi) }
        : { min: lo.reduce((a, b) => a + b, 0) / lo.length, max: hi.reduce((a, b) => a + b, 0) / hi.length };
  }
  return ranges;
}

function calibrationFile(modelId: string): string {
  return path.join(repoRoot(), 'models', 'calibration', `${modelId}.json`);
}

async function main(argv: readonly string[]): Promise<void> {
  const write = argv.includes('--write');
  const method = (argv.find((a) => a.startsWith('--method='))?.slice('--method='.length) ?? RANGE_METHOD) as RangeMethod;
  const fit = halfOf(loadHelen(path.join(sharedDataDir(), '300w-helen-test-crop')), 'fit');
  const crops = await collectCrops(fit.map((f) => f.file));
  console.log(`calibration crops from ${fit.length} HELEN fit-half faces: ${crops.mesh.length} mesh, ${crops.iris.length} iris (both eyes)`);
  for (const [id, inputs, batch] of [['facemesh', crops.mesh, 1], ['iris', crops.iris, 2]] as const) {
    const spec = MODEL_SPECS.find((s): s is ConvertedModelSpec => s.id === id && s.kind === 'tfjs-graph-to-onnx')!;
    const ranges = await measureRanges(spec, inputs, batch, method);
    const table: CalibrationTable = {
      model: id,
      description: `Activation ranges for ${spec.file}'s int8 build (tools/models/quantize.ts), measured by tools/models/calibrate.ts on the crops of the 300-W HELEN test crops' fit half (even positions of the name-sorted list)`,
      method,
      samples: inputs.length,
      ranges,
    };
    console.log(`${id}: ${Object.keys(ranges).length} tensors from ${inputs.length} inputs (${method})`);
    if (write) {
      await mkdir(path.dirname(calibrationFile(id)), { recursive: true });
      await writeFile(calibrationFile(id), `${JSON.stringify(table, null, 1)}\n`);
      console.log(`wrote ${path.relative(repoRoot(), calibrationFile(id))}`);
    }
  }
}

await main(process.argv.slice(2));
