/**
 * The configurations bench/speed.ts measures, one child process each (so peak RSS is per
 * configuration and ONNX Runtime thread pools never share a process).
 */
import type { InferenceThreadCount } from '../../src/vision/face-vision';
import type { DetectorKind, LandmarkModel } from '../../src/vision/model-specs';

export interface TrackerConfig {
  kind: 'tracker';
  name: string;
  detector: DetectorKind;
  landmarks: LandmarkModel;
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
  landmarks: LandmarkModel;
}

export type SpeedConfig = TrackerConfig | HumanConfig | RawOnnxConfig | GateConfig;

const FRONT = { kind: 'tracker', detector: 'front', threads: 1, overlap: false, detectEveryFrame: false } as const;

export const SPEED_CONFIGS: readonly SpeedConfig[] = [
  // One core: everything on the calling thread, one frame at a time.
  { ...FRONT, name: 'front-1t', landmarks: 'mesh-iris', inferenceThreads: 0 },
  { ...FRONT, name: 'front-1t-attention', landmarks: 'attention', inferenceThreads: 0 },
  // Stages on workers, one frame at a time: the eyes in parallel.
  { ...FRONT, name: 'front-3w', landmarks: 'mesh-iris', inferenceThreads: 3 },
  // Frames overlapping as the service feeds them, as fast as the tracker takes them: throughput.
  { ...FRONT, name: 'front-2w-overlap', landmarks: 'mesh-iris', inferenceThreads: 2, overlap: true },
  { ...FRONT, name: 'front-3w-overlap', landmarks: 'mesh-iris', inferenceThreads: 3, overlap: true },
  { ...FRONT, name: 'front-1w-overlap-attention', landmarks: 'attention', inferenceThreads: 1, overlap: true },
  // Frames from a 60 fps camera: the latency a user sees, as the service runs here (2 workers).
  { ...FRONT, name: 'front-2w-overlap-60fps', landmarks: 'mesh-iris', inferenceThreads: 2, overlap: true, paceFps: 60 },
  { ...FRONT, name: 'front-2t', landmarks: 'mesh-iris', threads: 2, inferenceThreads: 0 },
  { ...FRONT, name: 'back-1t', landmarks: 'mesh-iris', detector: 'back', inferenceThreads: 0 },
  { ...FRONT, name: 'front-1t-detect-every-frame', landmarks: 'mesh-iris', inferenceThreads: 0, detectEveryFrame: true },
  { kind: 'gate', name: 'gate-interleaved', landmarks: 'mesh-iris' },
  { kind: 'gate', name: 'gate-interleaved-attention', landmarks: 'attention' },
  { kind: 'human', name: 'human' },
  { kind: 'raw-onnx', name: 'raw-onnx' },
];

/**
 * bench/cores.ts: the service's way of tracking (frames overlapping on N workers; N = 0: the calling
 * thread, one frame at a time) as fast as frames come (throughput) and at a 30 fps camera's pace
 * (latency), each run pinned to 1 or 2 cores.
 */
export const CORE_CONFIGS: readonly TrackerConfig[] = ([0, 1, 2, 3] as const).flatMap((w) =>
  [undefined, 30].map((paceFps): TrackerConfig => ({
    ...FRONT,
    name: `cores-${w}w${paceFps ? `-${paceFps}fps` : ''}`,
    landmarks: 'mesh-iris',
    inferenceThreads: w,
    overlap: w > 0,
    paceFps,
  })),
);

export function findConfig(name: string): SpeedConfig {
  const all = [...SPEED_CONFIGS, ...CORE_CONFIGS];
  const config = all.find((c) => c.name === name);
  if (!config) throw new Error(`unknown --config '${name}' (known: ${all.map((c) => c.name).join(', ')})`);
  return config;
}

/** What a row is called in the tables. */
export function configLabel(c: TrackerConfig): string {
  const mode = c.detectEveryFrame ? 'detector every frame' : 'tracking';
  const where = c.inferenceThreads === 0 ? 'on the calling thread' : `${c.inferenceThreads} worker${c.inferenceThreads > 1 ? 's' : ''}${c.overlap ? ', frames overlap' : ''}`;
  const pace = c.paceFps ? `, frames at ${c.paceFps} fps` : '';
  const models = c.landmarks === 'attention' ? 'attention mesh' : 'mesh + iris';
  return `vtlink, ${c.detector} detector, ${models}, ${c.threads} ORT thread${c.threads > 1 ? 's' : ''}, ${where}${pace}, ${mode}`;
}
