/**
 * Issue 11's gate measured interleaved, so that a machine whose speed drifts (shared cores, turbo)
 * cannot favour either side: frame by frame, vtlink's whole tracker on the video frame (one core: the
 * calling thread, 1 ORT thread), then OpenSeeFace model 0's inference for a frame (lm_model0, then
 * the gaze model on each eye; raw onnxruntime-node, 1 thread, fixed noise inputs as in
 * bench/peers/openseeface-raw.ts). Both sides pay the same cache misses from each other.
 */
import path from 'node:path';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { CapturedFrame } from '../../src/capture/source';
import { defaultModelsDir } from '../../src/system/paths';
import { FaceTracker } from '../../src/tracking/tracker';
import type { RgbImage } from '../../src/image/frame';
import type { LandmarkModel } from '../../src/vision/model-specs';
import { sharedDataDir } from '../lib/paths';
import { summarizeTimings, type TimingSummary } from '../lib/stats';
import { nowMs } from '../lib/timing';
import { createTimingSession, sessionInputShapes } from '../peers/onnx-timer';

export interface GateRunResult {
  kind: 'gate';
  landmarks: LandmarkModel;
  frames: number;
  vtlink: TimingSummary;
  openSeeFace: TimingSummary;
}

async function noiseFeeds(session: InferenceSession): Promise<Record<string, Tensor>> {
  const feeds: Record<string, Tensor> = {};
  let seed = 12345;
  for (const [name, shape] of Object.entries(sessionInputShapes(session, 1))) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
    feeds[name] = new Tensor('float32', data, shape);
  }
  return feeds;
}

export async function runGate(landmarks: LandmarkModel, images: readonly RgbImage[], fps: number, warmupFrames: number): Promise<GateRunResult> {
  const peers = path.join(sharedDataDir(), 'peer-models');
  const tracker = await FaceTracker.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1, landmarks });
  const lm = await createTimingSession(path.join(peers, 'lm_model0_opt.onnx'), 1);
  const gaze = await createTimingSession(path.join(peers, 'mnv3_gaze32_split_opt.onnx'), 1);
  const lmFeeds = await noiseFeeds(lm);
  const gazeFeeds = await noiseFeeds(gaze);
  const frames: CapturedFrame[] = images.map((image, index) => ({ kind: 'frame', image, index, timeMs: (index * 1000) / fps, source: 'bench' }));
  const ours: number[] = [];
  const theirs: number[] = [];
  try {
    for (let i = 0; i < frames.length; i++) {
      let t0 = nowMs();
      await tracker.process(frames[i]);
      const a = nowMs() - t0;
      t0 = nowMs();
      await lm.run(lmFeeds);
      await gaze.run(gazeFeeds);
      await gaze.run(gazeFeeds);
      const b = nowMs() - t0;
      if (i >= warmupFrames) {
        ours.push(a);
        theirs.push(b);
      }
    }
  } finally {
    await Promise.all([tracker.release(), lm.release(), gaze.release()]);
  }
  return { kind: 'gate', landmarks, frames: ours.length, vtlink: summarizeTimings(ours), openSeeFace: summarizeTimings(theirs) };
}
