/**
 * The configurations bench/speed.ts measures, one child process each (so peak RSS is per
 * configuration and ONNX Runtime thread pools never share a process).
 */
import type { InferenceThreadCount } from '../../src/vision/face-vision';
import type { DetectorKind } from '../../src/vision/model-specs';

export interface TrackerConfig {
  kind: 'tracker';
  name: string;
  detector: DetectorKind;
  /** ORT intra-op threads per session. */
  threads: number;
  /** Worker threads the models run on (FaceVisionOptions.inferenceThreads; 0 = the calling thread). */
  inferenceThreads: InferenceThreadCount;
  /** Frames overlap as in the service (FaceTracker.submit): the next goes in once one is released. */
  overlap: boolean;
  /** Frames arrive at this rate, as from a camera (latency without queueing); absent: as fast as taken. */
  paceFps?: number;
  /** Reset before every frame, so the detector runs each time (what a still-image call costs). */
  detectEveryFrame: boolean;
}

export interface HumanConfig {
  kind: 'human';
  name: string;
}

export interface RawOnnxConfig {
  kind: 'raw-onnx';
  name: string;
}

export interface GateConfig {
  kind: 'gate';
  name: string;
}

export type SpeedConfig = TrackerConfig | HumanConfig | RawOnnxConfig | GateConfig;

export const SPEED_CONFIGS: readonly SpeedConfig[] = [
  { kind: 'tracker', name: 'front-1t', detector: 'front', threads: 1, inferenceThreads: 0, overlap: false, detectEveryFrame: false },
  // The stages on workers, one frame at a time: latency with the eyes in parallel.
  { kind: 'tracker', name: 'front-3w', detector: 'front', threads: 1, inferenceThreads: 3, overlap: false, detectEveryFrame: false },
  // Frames overlapping as the service feeds them, as fast as the tracker takes them: throughput.
  { kind: 'tracker', name: 'front-1w-overlap', detector: 'front', threads: 1, inferenceThreads: 1, overlap: true, detectEveryFrame: false },
  { kind: 'tracker', name: 'front-2w-overlap', detector: 'front', threads: 1, inferenceThreads: 2, overlap: true, detectEveryFrame: false },
  { kind: 'tracker', name: 'front-3w-overlap', detector: 'front', threads: 1, inferenceThreads: 3, overlap: true, detectEveryFrame: false },
  // Frames from a 60 fps camera: the latency a user sees.
  { kind: 'tracker', name: 'front-1t-60fps', detector: 'front', threads: 1, inferenceThreads: 0, overlap: false, paceFps: 60, detectEveryFrame: false },
  { kind: 'tracker', name: 'front-3w-overlap-60fps', detector: 'front', threads: 1, inferenceThreads: 3, overlap: true, paceFps: 60, detectEveryFrame: false },
  { kind: 'tracker', name: 'front-2t', detector: 'front', threads: 2, inferenceThreads: 0, overlap: false, detectEveryFrame: false },
  { kind: 'tracker', name: 'back-1t', detector: 'back', threads: 1, inferenceThreads: 0, overlap: false, detectEveryFrame: false },
  { kind: 'tracker', name: 'front-1t-detect-every-frame', detector: 'front', threads: 1, inferenceThreads: 0, overlap: false, detectEveryFrame: true },
  { kind: 'gate', name: 'gate-interleaved' },
  { kind: 'human', name: 'human' },
  { kind: 'raw-onnx', name: 'raw-onnx' },
];

export function findConfig(name: string): SpeedConfig {
  const config = SPEED_CONFIGS.find((c) => c.name === name);
  if (!config) throw new Error(`unknown --config '${name}' (known: ${SPEED_CONFIGS.map((c) => c.name).join(', ')})`);
  return config;
}

/** What a row is called in the tables. */
export function configLabel(c: TrackerConfig): string {
  const mode = c.detectEveryFrame ? 'detector every frame' : 'tracking';
  const where = c.inferenceThreads === 0 ? 'on the calling thread' : `${c.inferenceThreads} worker${c.inferenceThreads > 1 ? 's' : ''}${c.overlap ? ', frames overlap' : ''}`;
  const pace = c.paceFps ? `, frames at ${c.paceFps} fps` : '';
  return `vtlink, ${c.detector} detector, ${c.threads} ORT thread${c.threads > 1 ? 's' : ''}, ${where}${pace}, ${mode}`;
}
