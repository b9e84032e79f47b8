/**
 * FaceVision: the vision stage's parts behind one object — detector, mesh and iris sessions, created
 * once. The per-frame policy (detect only when no face is tracked or the mesh score drops, ROI from
 * the last mesh otherwise) lives in src/tracking; this class only runs the parts and times them.
 */
import { availableParallelism } from 'node:os';
import { BlazeFaceDetector, type Detection } from './blazeface';
import type { FrameInput } from '../image/frame';
import { IrisModel, refineMeshWithIris, type IrisResult } from './iris';
import { FaceMeshModel, type MeshResult } from './mesh';
import { AttentionMeshModel } from './attention-mesh';
import { modelFiles, type DetectorKind, type LandmarkModel } from './model-specs';
import { RetinaFaceDetector } from './retinaface';
import type { RotatedRoi } from './roi-types';
import { InferenceThread } from './inference-thread';
import { ModelLoadError, type SessionOptions } from './session';

export interface FaceVisionOptions {
  /** Folder holding blazeface-front.onnx / blazeface-back.onnx, facemesh.onnx, iris.onnx. */
  readonly modelsDir: string;
  /** 'front' = short range 128 (default, a face 0.3-2 m from a webcam), 'back' = full range 256. */
  readonly detector?: DetectorKind | 'retinaface';
  /** With detector 'retinaface': the RetinaFace-MobileNet ONNX file (required; see retinaface-model.ts). */
  readonly retinafaceModel?: string;
  /** ORT intra-op threads per session (default 1). */
  readonly threads?: number;
  /** Which landmark models run (default DEFAULT_LANDMARK_MODEL; model-specs.ts LandmarkModel). */
  readonly landmarks?: LandmarkModel;
  /**
   * Worker threads the models run on (default 0: the calling thread; see INFERENCE_LAYOUTS).
   * Any number above 0 keeps inference off the caller's event loop; more let the stages of
   * overlapping frames (FaceTracker.submit) and the two eyes run on separate cores.
   */
  readonly inferenceThreads?: InferenceThreadCount;
  /** Minimum detection score (default 0.5). */
  readonly scoreThreshold?: number;
  /** Mesh face-presence score below which the tracker should re-detect (default 0.5); see meshThreshold. */
  readonly meshThreshold?: number;
  /**
   * Track the frame as if flipped left-right (default false), without copying it: every ROI and
   * every result (detections, mesh, irises) is in the mirrored image's pixels (x' = width - x).
   * The models see a mirrored face, which to them is a plausible unmirrored face of someone else:
   * the mesh's "left" points (263, 362, ...) and so TrackingFrame's left eye/brow and *Left blend
   * shapes are the subject's left as it appears in the mirrored picture, i.e. the user's own RIGHT
   * eye/brow (the avatar moves like the user's mirror image: the user closes their right eye, the
   * avatar closes its left). Head yaw and roll change sign against the unmirrored frame.
   */
  readonly mirror?: boolean;
  /** Override single model paths (e.g. the packaged BlazeFace ONNX). */
  readonly files?: Partial<Record<'detector' | 'mesh' | 'iris', string>>;
}

/**
 * Milliseconds spent in the last call of each stage: the whole call (warp + model + decode), and of
 * that the preprocessing (warp, colour conversion, normalisation) on its own.
 */
export interface StageTimings {
  detectMs: number;
  meshMs: number;
  irisMs: number;
  detectPreprocessMs: number;
  meshPreprocessMs: number;
  irisPreprocessMs: number;
}

/** What FaceVision needs of a detector (BlazeFaceDetector and RetinaFaceDetector). */
interface FaceDetector {
  detect(image: FrameInput, mirrorFrame?: boolean): Promise<Detection[]>;
  readonly preprocessMs: number;
  release(): Promise<void>;
}

async function createDetector(options: FaceVisionOptions, file: string, session: SessionOptions): Promise<FaceDetector> {
  const scoreThreshold = options.scoreThreshold ?? 0.5;
  if (options.detector !== 'retinaface') return BlazeFaceDetector.create(file, options.detector ?? 'front', { scoreThreshold }, session);
  if (!options.retinafaceModel) {
    throw new ModelLoadError('tracking.detector is retinaface but tracking.retinafaceModel names no ONNX file', '');
  }
  // A user-supplied RetinaFace runs on the calling thread (it only runs while no face is tracked).
  return RetinaFaceDetector.create(options.retinafaceModel, { scoreThreshold, threads: session.threads });
}

export type InferenceThreadCount = 0 | 1 | 2 | 3;

/**
 * The landmark models by default, chosen by the gates in bench/RESULTS.md ("Landmark models"): the
 * attention mesh is faster and more accurate on stills, but its still-face jitter on franck.mp4 is
 * 5 % above FaceMesh + Iris's, and an option that fails a gate stays out of the default.
 */
export const DEFAULT_LANDMARK_MODEL: LandmarkModel = 'mesh-iris';

/**
 * Which worker (1-based; 0 = the calling thread) runs each model, by worker count. Detector and mesh
 * share one: they never run at the same time (the detector runs only when the mesh lost the face).
 */
export const INFERENCE_LAYOUTS: Record<InferenceThreadCount, { detectorAndMesh: number; irisRight: number; irisLeft: number }> = {
  0: { detectorAndMesh: 0, irisRight: 0, irisLeft: 0 },
  1: { detectorAndMesh: 1, irisRight: 1, irisLeft: 1 },
  // The next frame's mesh overlaps this frame's irises.
  2: { detectorAndMesh: 1, irisRight: 2, irisLeft: 2 },
  // ...and the two eyes overlap each other.
  3: { detectorAndMesh: 1, irisRight: 2, irisLeft: 3 },
};

/**
 * The worker count for this machine: one per core but one, at least 1 and at most 3 (what the stages
 * can use). The core left over is the service thread's and the kiosk browser's, for when tracking
 * cannot keep up with the camera (the emulated arm64 board, workers on both vCPUs: the first kiosk
 * render stayed white). On 2 cores 1 worker tracks as many frames as 2 (bench/RESULTS.md "Speed").
 */
export function defaultInferenceThreads(cores = availableParallelism()): InferenceThreadCount {
  return Math.max(1, Math.min(3, cores - 1)) as InferenceThreadCount;
}

export class FaceVision {
  readonly timings: StageTimings = { detectMs: 0, meshMs: 0, irisMs: 0, detectPreprocessMs: 0, meshPreprocessMs: 0, irisPreprocessMs: 0 };
  readonly meshThreshold: number;
  /** See FaceVisionOptions.mirror; may be changed between frames (ROIs from before are then wrong). */
  mirror: boolean;

  private constructor(
    private readonly detector: FaceDetector,
    private readonly meshModel: FaceMeshModel | AttentionMeshModel,
    /** Null with the attention mesh, which sees the eyes itself. */
    private readonly irisModel: IrisModel | null,
    private readonly threads: readonly InferenceThread[],
    meshThreshold: number,
    mirror: boolean,
  ) {
    this.meshThreshold = meshThreshold;
    this.mirror = mirror;
  }

  /** Loads the models; rejects with a ModelLoadError naming the file if one is missing or wrong. */
  static async create(options: FaceVisionOptions): Promise<FaceVision> {
    const kind = options.detector === 'back' ? 'back' : 'front';
    const files = { ...modelFiles(options.modelsDir, kind), ...options.files };
    const attention = (options.landmarks ?? DEFAULT_LANDMARK_MODEL) === 'attention';
    // The attention mesh is one model a frame: a second worker would have nothing to run.
    const count = attention ? (Math.min(1, options.inferenceThreads ?? 0) as InferenceThreadCount) : (options.inferenceThreads ?? 0);
    const layout = INFERENCE_LAYOUTS[count];
    const threads = Array.from({ length: count }, (_, i) => new InferenceThread(`vtlink inference ${i + 1}`));
    const on = (worker: number): SessionOptions => ({ threads: options.threads ?? 1, thread: threads[worker - 1] });
    const perEye = layout.irisLeft !== layout.irisRight ? ([on(layout.irisRight), on(layout.irisLeft)] as const) : undefined;
    try {
      const [detector, mesh, iris] = await Promise.all([
        createDetector(options, files.detector, on(layout.detectorAndMesh)),
        attention ? AttentionMeshModel.create(files.attention, on(layout.detectorAndMesh)) : FaceMeshModel.create(files.mesh, on(layout.detectorAndMesh)),
        attention ? null : IrisModel.create(files.iris, on(layout.irisRight), perEye),
      ]);
      return new FaceVision(detector, mesh, iris, threads, options.meshThreshold ?? 0.5, options.mirror ?? false);
    } catch (err) {
      await Promise.all(threads.map((t) => t.close()));
      throw err;
    }
  }

  /** All faces, best first, in image pixels (of the mirrored image with `mirror`). */
  async detect(image: FrameInput): Promise<Detection[]> {
    const t0 = performance.now();
    const result = await this.detector.detect(image, this.mirror);
    this.timings.detectMs = performance.now() - t0;
    this.timings.detectPreprocessMs = this.detector.preprocessMs;
    return result;
  }

  /** The 468-point mesh in `roi`. Points are overwritten by the next call unless `out` is given. */
  async mesh(image: FrameInput, roi: RotatedRoi, out?: Float32Array): Promise<MeshResult> {
    const t0 = performance.now();
    const result = await this.meshModel.run(image, roi, out, this.mirror);
    this.timings.meshMs = performance.now() - t0;
    this.timings.meshPreprocessMs = this.meshModel.preprocessMs;
    return result;
  }

  /**
   * Irises and eye contours of both eyes for a mesh: the attention mesh's own (its mesh came out
   * refined), or the iris model run on the eye crops (cut before this returns: the image may change
   * once it has); with `refine`, the mesh's eye points are then replaced in place by the iris model's
   * contour (MediaPipe's refinement). The result is overwritten by the next call.
   */
  async iris(image: FrameInput, mesh: MeshResult, refine = true): Promise<IrisResult> {
    if (mesh.attention) {
      // Its mesh is refined already (AttentionMeshModel.run).
      this.timings.irisMs = this.timings.irisPreprocessMs = 0;
      return mesh.attention.eyes;
    }
    if (!this.irisModel) throw new Error('the iris model is not loaded for a mesh without attention parts');
    const t0 = performance.now();
    const result = await this.irisModel.run(image, mesh.points, this.mirror);
    if (refine) refineMeshWithIris(mesh.points, result);
    this.timings.irisMs = performance.now() - t0;
    this.timings.irisPreprocessMs = this.irisModel.preprocessMs;
    return result;
  }

  async release(): Promise<void> {
    try {
      await Promise.all([this.detector.release(), this.meshModel.release(), this.irisModel?.release()]);
    } finally {
      await Promise.all(this.threads.map((t) => t.close()));
    }
  }
}
