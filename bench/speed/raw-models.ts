/**
 * Raw onnxruntime-node time of vtlink's own models (session.run alone on fixed inputs), so the
 * tracker's cost above bare inference (preprocessing, decoding, geometry, filters, JS) is visible.
 */
import path from 'node:path';
import { defaultModelsDir } from '../../src/system/paths';
import { peakRssMb } from '../lib/timing';
import type { RgbImage } from '../../src/image/frame';
import { timeOnnxModel, type OnnxTiming } from '../peers/onnx-timer';
import { timeOnRealCrops, type RealCropTiming } from './real-crops';

export interface OurModelSpec {
  key: 'detector-front' | 'detector-back' | 'mesh' | 'iris' | 'attention';
  file: string;
  what: string;
  /** Batch fed where the model's batch is symbolic: the iris model takes both eyes at once. */
  batch: number;
  runs: number;
}

export const OUR_MODELS: readonly OurModelSpec[] = [
  { key: 'detector-front', file: 'blazeface-front.onnx', what: 'BlazeFace short range, 128x128', batch: 1, runs: 300 },
  { key: 'detector-back', file: 'blazeface-back.onnx', what: 'BlazeFace full range, 256x256', batch: 1, runs: 150 },
  { key: 'mesh', file: 'facemesh.onnx', what: 'FaceMesh, 192x192', batch: 1, runs: 300 },
  { key: 'iris', file: 'iris.onnx', what: 'Iris, 64x64, both eyes (batch 2)', batch: 2, runs: 300 },
  { key: 'attention', file: 'facemesh-attention.onnx', what: 'FaceMesh with attention, 192x192 (mesh, lips, eyes, irises)', batch: 1, runs: 300 },
];

export interface OurModelTiming {
  spec: OurModelSpec;
  timing: OnnxTiming;
}

export interface RawOnnxResult {
  kind: 'raw-onnx';
  /** timeOnnxModel: fixed pseudo-random inputs. */
  models: OurModelTiming[];
  /** The same sessions' run time on the crops the tracker feeds on real video frames. */
  realCrops: RealCropTiming[];
  peakRssMb: number;
}

export async function timeOurModels(frames: readonly RgbImage[], threadCounts: readonly number[], runsScale = 1): Promise<RawOnnxResult> {
  const models: OurModelTiming[] = [];
  for (const threads of threadCounts) {
    for (const spec of OUR_MODELS) {
      const timing = await timeOnnxModel(path.join(defaultModelsDir(), spec.file), {
        threads,
        runs: Math.max(10, Math.round(spec.runs * runsScale)),
        warmupRuns: 20,
        symbolicDim: spec.batch,
      });
      models.push({ spec, timing });
    }
  }
  const realCrops = await timeOnRealCrops(frames, threadCounts, Math.max(10, Math.round(300 * runsScale)));
  return { kind: 'raw-onnx', models, realCrops, peakRssMb: peakRssMb() };
}
