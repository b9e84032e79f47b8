/**
 * Human (@vladmandic/human 3.3.6, tfjs WASM backend) as a speed and accuracy peer: its face path only
 * (BlazeFace + FaceMesh + Iris, one face), run frame by frame on decoded video the way a web page would.
 */
import type { Tensor3D } from '@tensorflow/tfjs-core';
import type { FaceResult, Human, Point } from '@vladmandic/human';
import type { RgbImage } from '../../src/image/frame';
import { summarizeTimings, type TimingSummary } from '../lib/stats';
import { nowMs, peakRssMb, processCpuMs } from '../lib/timing';
import { loadHumanWasm, type Tf } from './human-wasm';

export type HumanPoint = [number, number, number];

/**
 * One face as Human reports it, in the input image's pixels (z: Human's relative depth, pixel-scaled).
 * Human truncates mesh and iris coordinates to integers (Math.trunc in its transformRawCoords), so each
 * x and y sits on average 0.5 px below the model's value; the numbers here are Human's, uncorrected.
 */
export interface HumanFace {
  score: number;
  /** [x, y, width, height] in pixels. */
  box: [number, number, number, number];
  /** The 468 FaceMesh points (eye contours already refined by Human's iris step). */
  mesh: HumanPoint[];
  /**
   * The 10 iris points Human appends as mesh[468..477], centre first in each five then 4 rim points.
   * iris[0..4] (mesh 468..472) is the SUBJECT'S LEFT eye (image right, near iBUG 42-47);
   * iris[5..9] (473..477) the subject's right eye (image left, iBUG 36-41). Checked on 300-W crops;
   * Human's own annotation names ('leftEyeIris' = 468..472) follow the same subject-left meaning.
   */
  iris: HumanPoint[];
}

export interface HumanCachingOptions {
  /** Human's frame-difference threshold below which cached detector boxes may be reused (Human default 0.7; 0 = off). */
  cacheSensitivity: number;
  /** Most frames between detector runs while the face is tracked (Human default 99). */
  skipFrames: number;
  /** Most milliseconds between detector runs (Human default 2500). */
  skipTime: number;
}

/** Human's own video-mode defaults: the detector runs rarely, the mesh follows its last box. */
export const HUMAN_VIDEO_CACHING: HumanCachingOptions = { cacheSensitivity: 0.7, skipFrames: 99, skipTime: 2500 };
/** Still images: every call detects from scratch. */
export const HUMAN_STILL_CACHING: HumanCachingOptions = { cacheSensitivity: 0, skipFrames: 0, skipTime: 0 };

export interface HumanPeerOptions extends Partial<HumanCachingOptions> {
  /** Frames run before timing starts (default 20), taken from the start of `frames`. */
  warmupFrames?: number;
  /** Cap on timed frames (default: all after the warm-up). */
  maxFrames?: number;
  /** Keep each timed frame's landmarks (default true). */
  keepLandmarks?: boolean;
}

export interface HumanPeerResult {
  peer: 'human-3.3.6-wasm';
  width: number;
  height: number;
  warmupFrames: number;
  timedFrames: number;
  /** Wall time of each timed human.detect() call, ms, in frame order. */
  perFrameMs: number[];
  summary: TimingSummary;
  /** Process CPU time (all threads, GC included) over the timed frames, divided by their number. */
  cpuMsPerFrame: number;
  /** Timed frames on which Human returned a face. */
  facesFound: number;
  /** Timed frames Human judged similar enough to the last to allow cached results (its `performance.cachedFrames`). */
  cachedFrames: number;
  /** Timed frames on which the BlazeFace detector actually ran (the rest reused the last mesh's box). */
  detectorRuns: number;
  /** Per timed frame: the face, or null; empty when keepLandmarks is false. */
  faces: (HumanFace | null)[];
  /** Model load + backend start-up, ms (first call in the process only; 0 after). */
  loadMs: number;
  simd: boolean;
  multithread: boolean;
  peakRssMb: number;
}

function applyCaching(human: Human, caching: HumanCachingOptions): void {
  human.config.cacheSensitivity = caching.cacheSensitivity;
  const detector = human.config.face.detector;
  if (!detector) throw new Error('Human config has no face.detector section');
  detector.skipFrames = caching.skipFrames;
  detector.skipTime = caching.skipTime;
}

function toTensor(tf: Tf, image: RgbImage): Tensor3D {
  if (image.data.length !== image.width * image.height * 3) {
    throw new RangeError(`RGB buffer holds ${image.data.length} bytes, expected ${image.width}x${image.height}x3`);
  }
  // int32 pixels, as Human's own image path produces them from a canvas; Human casts to float itself.
  return tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
}

function point(p: Point): HumanPoint {
  return [p[0], p[1], p[2] ?? 0];
}

function toHumanFace(face: FaceResult): HumanFace | null {
  // Without a valid mesh Human falls back to the detector's 6 keypoints: not a mesh, so no face for us.
  if (face.mesh.length < 468) return null;
  return {
    score: face.score,
    box: [face.box[0], face.box[1], face.box[2], face.box[3]],
    mesh: face.mesh.slice(0, 468).map(point),
    iris: face.mesh.slice(468, 478).map(point),
  };
}

let loadedOnce = false;
let detectorCalls = 0;
let detectorCounted = false;

/** Counts BlazeFace executions by wrapping the loaded model's execute(); bench instrumentation only. */
function countDetectorRuns(human: Human): void {
  if (detectorCounted) return;
  const model = human.models.models.blazeface;
  if (!model) throw new Error('Human did not load its BlazeFace model');
  const execute = model.execute.bind(model);
  model.execute = ((...args: Parameters<typeof execute>) => {
    detectorCalls++;
    return execute(...args);
  }) as typeof model.execute;
  detectorCounted = true;
}

async function humanWithLoadTime(): Promise<{ human: Human; tf: Tf; simd: boolean; multithread: boolean; loadMs: number }> {
  const t0 = nowMs();
  const loaded = await loadHumanWasm();
  const loadMs = loadedOnce ? 0 : nowMs() - t0;
  loadedOnce = true;
  return { ...loaded, loadMs };
}

/**
 * Runs Human over `frames` in order (a video): warm-up frames first (untimed), then times each
 * human.detect() call. Tensor upload happens outside the timed span, as a browser's would on
 * texture upload; Human's int32->float cast and everything after is inside it.
 */
export async function runHumanPeer(frames: readonly RgbImage[], options: HumanPeerOptions = {}): Promise<HumanPeerResult> {
  if (frames.length === 0) throw new RangeError('runHumanPeer needs at least one frame');
  const warmupFrames = Math.min(options.warmupFrames ?? 20, frames.length - 1);
  const end = Math.min(frames.length, warmupFrames + (options.maxFrames ?? Number.POSITIVE_INFINITY));
  const keepLandmarks = options.keepLandmarks ?? true;
  const { human, tf, simd, multithread, loadMs } = await humanWithLoadTime();
  countDetectorRuns(human);
  applyCaching(human, {
    cacheSensitivity: options.cacheSensitivity ?? HUMAN_VIDEO_CACHING.cacheSensitivity,
    skipFrames: options.skipFrames ?? HUMAN_VIDEO_CACHING.skipFrames,
    skipTime: options.skipTime ?? HUMAN_VIDEO_CACHING.skipTime,
  });

  for (let i = 0; i < warmupFrames; i++) {
    const input = toTensor(tf, frames[i]);
    await human.detect(input);
    tf.dispose(input);
  }

  const cachedBefore = human.performance.cachedFrames ?? 0;
  const detectorBefore = detectorCalls;
  const cpuBefore = processCpuMs();
  const perFrameMs: number[] = [];
  const faces: (HumanFace | null)[] = [];
  let facesFound = 0;
  for (let i = warmupFrames; i < end; i++) {
    const input = toTensor(tf, frames[i]);
    const t0 = nowMs();
    const result = await human.detect(input);
    perFrameMs.push(nowMs() - t0);
    tf.dispose(input);
    const face = result.face[0] ? toHumanFace(result.face[0]) : null;
    if (face) facesFound++;
    if (keepLandmarks) faces.push(face);
  }
  const cpuMs = processCpuMs() - cpuBefore;
  return {
    peer: 'human-3.3.6-wasm',
    width: frames[0].width,
    height: frames[0].height,
    warmupFrames,
    timedFrames: perFrameMs.length,
    perFrameMs,
    summary: summarizeTimings(perFrameMs),
    cpuMsPerFrame: cpuMs / perFrameMs.length,
    facesFound,
    cachedFrames: (human.performance.cachedFrames ?? 0) - cachedBefore,
    detectorRuns: detectorCalls - detectorBefore,
    faces,
    loadMs,
    simd,
    multithread,
    peakRssMb: peakRssMb(),
  };
}

/**
 * Human's face (468 mesh + 10 iris points, image pixels) on one still image, detecting from scratch,
 * or null when it finds none. `rgb` is packed RGB24, `width * height * 3` bytes.
 */
export async function humanFaceForImage(rgb: Uint8Array, width: number, height: number): Promise<HumanFace | null> {
  const { human, tf } = await loadHumanWasm();
  applyCaching(human, HUMAN_STILL_CACHING);
  const input = toTensor(tf, { width, height, data: rgb });
  try {
    const result = await human.detect(input);
    return result.face[0] ? toHumanFace(result.face[0]) : null;
  } finally {
    tf.dispose(input);
  }
}

/** Human's 468-point mesh ([x, y, z], image pixels) on one still image, or null when it finds no face. */
export async function humanLandmarksForImage(rgb: Uint8Array, width: number, height: number): Promise<HumanPoint[] | null> {
  return (await humanFaceForImage(rgb, width, height))?.mesh ?? null;
}
