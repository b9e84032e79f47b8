/**
 * Raw session.run time of the mesh and iris models on REAL model inputs: the crops the tracker would
 * feed on a video's frames. These models run up to 3x faster on some inputs than on others (constant
 * input: ~1 ms for the mesh, uniform noise: ~3.4 ms, measured here), so timing them on noise alone
 * overstates the inference inside a tracked frame; both figures are reported.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import path from 'node:path';
import { defaultModelsDir } from '../../src/system/paths';
import { FaceVision } from '../../src/vision/face-vision';
import type { RgbImage } from '../../src/image/frame';
import { eyeRoi, LEFT_EYE_CORNERS, RIGHT_EYE_CORNERS } from '../../src/vision/iris';
import { IRIS_INPUT_SIZE, MESH_INPUT_SIZE, ZERO_TO_ONE } from '../../src/vision/model-specs';
import { roiFromDetection, roiFromMesh } from '../../src/vision/roi';
import type { RotatedRoi } from '../../src/vision/roi-types';
import { warpRoi, type WarpOptions } from '../../src/vision/warp';
import { summarizeTimings, type TimingSummary } from '../lib/stats';
import { nowMs, processCpuMs } from '../lib/timing';
import { createTimingSession, sessionInputShapes } from '../peers/onnx-timer';

export interface RealCropTiming {
  model: 'mesh' | 'iris';
  file: string;
  threads: number;
  /** Distinct crops, cycled through. */
  crops: number;
  summary: TimingSummary;
  cpuMsPerRun: number;
}

interface Crops {
  mesh: Float32Array[];
  /** Both eyes per entry (right, then the mirrored left), as the tracker batches them. */
  iris: Float32Array[];
}

/** The mesh and iris inputs of `frames`, followed as the tracker follows a face (ROI from the last mesh). */
async function collectCrops(frames: readonly RgbImage[]): Promise<Crops> {
  const vision = await FaceVision.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1, landmarks: 'mesh-iris' });
  const meshOpts: WarpOptions = { outSize: MESH_INPUT_SIZE, scale: ZERO_TO_ONE.scale, offset: ZERO_TO_ONE.offset, border: 'clamp' };
  const irisOpts: WarpOptions = { outSize: IRIS_INPUT_SIZE, scale: ZERO_TO_ONE.scale, offset: ZERO_TO_ONE.offset, border: 'clamp' };
  const eyeFloats = IRIS_INPUT_SIZE * IRIS_INPUT_SIZE * 3;
  const crops: Crops = { mesh: [], iris: [] };
  let roi: RotatedRoi | null = null;
  try {
    for (const image of frames) {
      if (!roi) {
        const detections = await vision.detect(image);
        if (detections.length === 0) continue;
        roi = roiFromDetection(detections[0]);
      }
      const meshInput = new Float32Array(MESH_INPUT_SIZE * MESH_INPUT_SIZE * 3);
      warpRoi(image, roi, meshInput, 0, meshOpts);
      const mesh = await vision.mesh(image, roi);
      if (mesh.score < vision.meshThreshold) {
        roi = null;
        continue;
      }
      const points = Float32Array.from(mesh.points);
      const irisInput = new Float32Array(2 * eyeFloats);
      warpRoi(image, eyeRoi(points, RIGHT_EYE_CORNERS[0], RIGHT_EYE_CORNERS[1]), irisInput, 0, irisOpts);
      warpRoi(image, eyeRoi(points, LEFT_EYE_CORNERS[0], LEFT_EYE_CORNERS[1]), irisInput, eyeFloats, { ...irisOpts, mirror: true });
      crops.mesh.push(meshInput);
      crops.iris.push(irisInput);
      roi = roiFromMesh(points);
    }
  } finally {
    await vision.release();
  }
  if (crops.mesh.length === 0) throw new Error('no face tracked in the frames given for real-crop timing');
  return crops;
}

async function timeOnCrops(file: string, threads: number, inputs: readonly Float32Array[], batch: number, runs: number): Promise<{ summary: TimingSummary; cpuMsPerRun: number }> {
  const session: InferenceSession = await createTimingSession(file, threads);
  try {
    const [name, shape] = Object.entries(sessionInputShapes(session, batch))[0];
    const buffer = new Float32Array(inputs[0].length);
    const feeds = { [name]: new Tensor('float32', buffer, shape) };
    for (let i = 0; i < 20; i++) {
      buffer.set(inputs[i % inputs.length]);
      await session.run(feeds);
    }
    const perRun: number[] = [];
    let cpuMs = 0;
    for (let i = 0; i < runs; i++) {
      // Copying the next crop in is not part of inference: kept outside both clocks.
      buffer.set(inputs[i % inputs.length]);
      const cpu0 = processCpuMs();
      const t0 = nowMs();
      await session.run(feeds);
      perRun.push(nowMs() - t0);
      cpuMs += processCpuMs() - cpu0;
    }
    return { summary: summarizeTimings(perRun), cpuMsPerRun: cpuMs / runs };
  } finally {
    await session.release();
  }
}

export async function timeOnRealCrops(frames: readonly RgbImage[], threadCounts: readonly number[], runs: number): Promise<RealCropTiming[]> {
  const crops = await collectCrops(frames);
  const out: RealCropTiming[] = [];
  for (const threads of threadCounts) {
    for (const [model, file, inputs, batch] of [
      ['mesh', 'facemesh.onnx', crops.mesh, 1],
      ['iris', 'iris.onnx', crops.iris, 2],
    ] as const) {
      const t = await timeOnCrops(path.join(defaultModelsDir(), file), threads, inputs, batch, runs);
      out.push({ model, file, threads, crops: inputs.length, ...t });
    }
  }
  return out;
}
