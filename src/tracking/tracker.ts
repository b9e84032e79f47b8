/**
 * The per-frame graph, in one page (MediaPipe's face pipeline):
 *
 *   frame ─► [no ROI?] detect ─► ROI from detection ─┐
 *            [ROI from last mesh] ───────────────────┴─► mesh ─► score < threshold? ─► lost (re-detect)
 *                                                          │
 *                           iris (both eyes, one batch) ◄──┘   next ROI ◄── mesh (unless it leaves the image)
 *                           (the attention mesh: its own eyes and irises, no second model)
 *                                   │
 *            One Euro on landmarks + irises ─► head pose (PnP) ─► gaze ─► eye/mouth/brow features
 *                                   │
 *                                   ▼
 *                             TrackingFrame
 *
 * The detector runs only when no face is tracked; a tracked face's mesh gives the next frame's ROI.
 * When the mesh score drops while tracking, the same frame is tried once more from a fresh detection,
 * so a fast move costs one detector run, not a lost frame.
 *
 * Frames overlap (submit()): once a frame's mesh is known and its eye crops are cut, the frame is
 * released and the next frame's mesh may run while this one's irises do (on separate inference
 * threads, a board's cores each take a stage). Irises, geometry and results stay in frame order.
 */
import type { CapturedFrame } from '../capture/source';
import type { OneEuroBank, OneEuroParams } from '../filters';
import { FaceFeatures, BLENDSHAPE_NAMES, type Sensitivity } from '../geometry/features';
import { GazeEstimator } from '../geometry/gaze';
import { defaultIntrinsics, type Intrinsics } from '../geometry/intrinsics';
import { HeadPoseEstimator, type HeadPoseResult } from '../geometry/pose';
import type { FrameInput } from '../image/frame';
import { frameOf } from '../capture/source';
import { FaceVision, type FaceVisionOptions } from '../vision/face-vision';
import { IRIS_POINTS, type IrisResult } from '../vision/iris';
import { MESH_POINTS, type MeshResult } from '../vision/mesh';
import { roiFromDetection, roiFromMesh, roiLeavesImage, type RotatedRoi } from '../vision/roi';
import { landmarks68FromMesh } from '../geometry/landmarks68';
import { landmarkFilter } from './landmark-smoothing';
import type { EyeGaze, TrackedFace, TrackingFrame, Vec2, Vec3 } from './types';

export interface TrackerOptions extends FaceVisionOptions {
  /** One Euro parameters for landmark coordinates (pixels); false turns smoothing off. */
  readonly smoothing?: Partial<OneEuroParams> | false;
  /** Focal length as a multiple of the image width (default 1: about 53 degrees horizontal FOV). */
  readonly focalScale?: number;
  /** Expression movement multipliers (FaceFeatures' Sensitivity; default 1 each). */
  readonly sensitivity?: Partial<Sensitivity>;
  /** Learn the user's resting face automatically from the frames seen (default true; features/auto-calibration.ts). */
  readonly autoCalibration?: boolean;
  // `mirror` (FaceVisionOptions): track the frame flipped left-right; see there for what "left" means.
}

/**
 * Milliseconds spent in each stage for the last frame. `preprocessMs` is every model input's
 * preparation (warp, colour, normalisation); detect/mesh/iris are the rest of those stages
 * (inference and decoding), so the stages add up to about `totalMs`.
 */
export interface TrackerTimings {
  preprocessMs: number;
  detectMs: number;
  meshMs: number;
  irisMs: number;
  geometryMs: number;
  filtersMs: number;
  totalMs: number;
  /** Whether the detector ran for this frame. */
  detected: boolean;
}

/** A submitted frame: its pixels are read until `released`; its result comes in submission order. */
export interface TrackingJob {
  readonly released: Promise<void>;
  readonly result: Promise<TrackingFrame>;
}

/** How far (in ROI sizes) a ROI corner may stick out of the image: 0.5 = up to the ROI's centre. */
const ROI_EXIT_TOLERANCE = 0.5;

const IRIS_FLOATS = 2 * 2 * IRIS_POINTS;
const MESH_FLOATS = MESH_POINTS * 3;

export { DEFAULT_LANDMARK_SMOOTHING } from './landmark-smoothing';

export class FaceTracker {
  readonly timings: TrackerTimings = { preprocessMs: 0, detectMs: 0, meshMs: 0, irisMs: 0, geometryMs: 0, filtersMs: 0, totalMs: 0, detected: false };

  private roi: RotatedRoi | null = null;
  /** The last submitted frame's result: the next frame's irises and geometry wait for it. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Two mesh buffers, so the next frame's mesh does not overwrite the one this frame still reads. */
  private readonly meshBuffers = [new Float32Array(MESH_FLOATS), new Float32Array(MESH_FLOATS)];
  private meshTurn = 0;
  /** Frames still to average into the neutral calibration, and how many were averaged so far. */
  private calibrationLeft = 0;
  private calibrationDone = 0;
  private lastPose: HeadPoseResult | null = null;
  private intrinsics: Intrinsics = defaultIntrinsics(1, 1);
  /** Landmarks then irises, smoothed together so they stay consistent. */
  private readonly signals = new Float32Array(MESH_FLOATS + IRIS_FLOATS);
  private readonly filter: OneEuroBank | null;
  private readonly pose = new HeadPoseEstimator();
  private readonly gaze = new GazeEstimator();
  readonly features: FaceFeatures;

  private constructor(
    readonly vision: FaceVision,
    private readonly options: TrackerOptions,
  ) {
    this.features = new FaceFeatures({ sensitivity: options.sensitivity, autoCalibration: options.autoCalibration });
    this.filter = options.smoothing === false ? null : landmarkFilter(options.smoothing);
  }

  static async create(options: TrackerOptions): Promise<FaceTracker> {
    return new FaceTracker(await FaceVision.create(options), options);
  }

  /**
   * Makes the face's current expression the neutral one: the next `frames` frames with a face are
   * averaged into the calibration (eyes open = 1, mouth closed = 0, brows at rest = 0).
   */
  calibrateNeutral(frames = 30): void {
    this.calibrationLeft = frames;
    this.calibrationDone = 0;
  }

  /** True while a requested neutral calibration is still collecting frames. */
  get calibrating(): boolean {
    return this.calibrationLeft > 0;
  }

  /**
   * Whether frames are tracked flipped left-right (TrackerOptions.mirror). Changing it forgets the
   * tracked face (its ROI and filters are in the other image's coordinates); takes effect next frame.
   */
  get mirror(): boolean {
    return this.vision.mirror;
  }

  set mirror(on: boolean) {
    if (on === this.vision.mirror) return;
    this.vision.mirror = on;
    this.reset();
  }

  /** Sets expression movement multipliers (the others keep their values); takes effect next frame. */
  setSensitivity(sensitivity: Partial<Sensitivity>): void {
    this.features.setSensitivity(sensitivity);
  }

  /** Whether the automatic calibration runs (TrackerOptions.autoCalibration). */
  get autoCalibration(): boolean {
    return this.features.autoCalibration;
  }

  /** Turns the automatic calibration on or off (off forgets what was learnt); takes effect next frame. */
  setAutoCalibration(enabled: boolean): void {
    this.features.setAutoCalibration(enabled);
  }

  /** Forget the tracked face: the next frame starts with a detection. */
  reset(): void {
    this.roi = null;
    this.lastPose = null;
    this.filter?.reset();
  }

  /** Tracks one frame (submit() without overlap). */
  process(frame: CapturedFrame): Promise<TrackingFrame> {
    return this.submit(frame).result;
  }

  /**
   * Starts tracking a frame. Its pixels must stay valid until `released`; submit the next frame only
   * after that (the mesh stage runs one frame at a time). `timings` describe the frame whose result
   * resolved last.
   */
  submit(frame: CapturedFrame): TrackingJob {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    const result = this.track(frame, previous, release).finally(release);
    this.tail = result.catch(() => undefined);
    return { released, result };
  }

  private async track(frame: CapturedFrame, previous: Promise<unknown>, release: () => void): Promise<TrackingFrame> {
    const t0 = performance.now();
    const t: TrackerTimings = { preprocessMs: 0, detectMs: 0, meshMs: 0, irisMs: 0, geometryMs: 0, filtersMs: 0, totalMs: 0, detected: false };
    // The source's own layout (NV12, YUYV, RGB...) goes straight into the fused preprocessing kernels.
    const image = frameOf(frame);
    const out: TrackingFrame = { source: frame.source, frame: frame.index, timeMs: frame.timeMs, width: image.width, height: image.height, face: null };

    const mesh = await this.trackMesh(image, t);
    await previous; // the iris model and the filters are free once the previous frame is done
    if (mesh) {
      const iris = this.vision.iris(image, mesh, true); // cuts the eye crops now (the attention mesh has them)
      release();
      out.face = this.describe(image, mesh, await iris, frame.timeMs, t);
    }
    t.totalMs = performance.now() - t0;
    Object.assign(this.timings, t);
    return out;
  }

  /** The mesh of the tracked face, re-detecting when there is none or it was lost; null when no face. */
  private async trackMesh(image: FrameInput, t: TrackerTimings): Promise<MeshResult | null> {
    const points = this.meshBuffers[(this.meshTurn ^= 1)];
    if (this.roi) {
      const mesh = await this.runMesh(image, this.roi, points, t);
      if (mesh.score >= this.vision.meshThreshold) return this.follow(mesh, image);
      this.reset();
    }
    const detections = await this.vision.detect(image);
    t.detectMs = this.vision.timings.detectMs - this.vision.timings.detectPreprocessMs;
    t.preprocessMs += this.vision.timings.detectPreprocessMs;
    t.detected = true;
    if (detections.length === 0) return null;
    this.filter?.reset();
    let mesh = await this.runMesh(image, roiFromDetection(detections[0]), points, t);
    // The detector's box is rough on a turned head, and the face score can drop where the mesh is
    // right (the attention mesh: 0.25 on a 71-degree profile, 0.99 on that mesh's own ROI): one more
    // run from the mesh's ROI before the face counts as lost.
    if (mesh.score < this.vision.meshThreshold) mesh = await this.runMesh(image, roiFromMesh(mesh.points), points, t);
    if (mesh.score >= this.vision.meshThreshold) return this.follow(mesh, image);
    this.reset();
    return null;
  }

  /**
   * Next frame's ROI from this frame's mesh. A ROI partly outside the frame is normal (the crop is
   * 1.5x the face, and the warp pads); only one whose centre has left the image means the face is
   * leaving, and then the detector takes over.
   */
  private follow(mesh: MeshResult, image: FrameInput): MeshResult {
    const next = roiFromMesh(mesh.points);
    this.roi = roiLeavesImage(next, image.width, image.height, ROI_EXIT_TOLERANCE) ? null : next;
    return mesh;
  }

  private async runMesh(image: FrameInput, roi: RotatedRoi, points: Float32Array, t: TrackerTimings): Promise<MeshResult> {
    const mesh = await this.vision.mesh(image, roi, points);
    t.meshMs += this.vision.timings.meshMs - this.vision.timings.meshPreprocessMs;
    t.preprocessMs += this.vision.timings.meshPreprocessMs;
    return mesh;
  }

  private describe(image: FrameInput, mesh: MeshResult, iris: IrisResult, timeMs: number, t: TrackerTimings): TrackedFace {
    t.irisMs = this.vision.timings.irisMs - this.vision.timings.irisPreprocessMs;
    t.preprocessMs += this.vision.timings.irisPreprocessMs;

    let t1 = performance.now();
    const signals = this.signals;
    signals.set(mesh.points, 0);
    signals.set(iris.right.iris, MESH_FLOATS);
    signals.set(iris.left.iris, MESH_FLOATS + IRIS_FLOATS / 2);
    const smooth = this.filter ? this.filter.filter(signals, timeMs) : signals;
    const landmarks = smooth.subarray(0, MESH_FLOATS);
    const irisPoints = smooth.subarray(MESH_FLOATS);
    t.filtersMs = performance.now() - t1;

    t1 = performance.now();
    if (this.intrinsics.cx * 2 !== image.width || this.intrinsics.cy * 2 !== image.height) {
      const base = defaultIntrinsics(image.width, image.height);
      const f = base.fx * (this.options.focalScale ?? 1);
      this.intrinsics = { ...base, fx: f, fy: f };
      this.features.setCamera(this.intrinsics);
    }
    const pose = this.pose.estimate(landmarks, this.intrinsics, this.lastPose);
    this.lastPose = pose;
    const gaze = pose ? this.gaze.estimate(landmarks, irisPoints, pose, this.intrinsics) : null;
    if (this.calibrationLeft > 0 && this.features.calibrateNeutral(landmarks, irisPoints, pose?.rotation, gaze ?? undefined, 1 / (this.calibrationDone + 1))) {
      this.calibrationDone++;
      this.calibrationLeft--;
    }
    const features = this.features.compute(landmarks, irisPoints, pose?.rotation, gaze ?? undefined);
    // The open eye leads the combined gaze (a wink's closed eye would drag it).
    if (gaze && features.valid) this.gaze.combine(features.eyes.left, features.eyes.right);
    t.geometryMs = performance.now() - t1;

    return {
      score: mesh.score,
      box: boundingBox(landmarks),
      landmarks: toVec3List(landmarks),
      iris: toVec2List(irisPoints),
      landmarks68: landmarks68FromMesh(landmarks),
      pose: pose
        ? { yaw: pose.yaw, pitch: pose.pitch, roll: pose.roll, quaternion: [...pose.quaternion], translationMm: [...pose.translationMm], reprojectionPx: pose.reprojectionPx }
        : { yaw: 0, pitch: 0, roll: 0, quaternion: [1, 0, 0, 0], translationMm: [0, 0, 0], reprojectionPx: Number.NaN },
      gaze: gaze ? { left: copyGaze(gaze.left), right: copyGaze(gaze.right), combined: copyGaze(gaze.combined) } : noGaze(),
      eyes: { ...features.eyes },
      mouth: { open: features.mouth.open, wide: features.mouth.wide, vowels: { ...features.mouth.vowels } },
      brows: { ...features.brows },
      blendshapes: Object.fromEntries(BLENDSHAPE_NAMES.map((name, i) => [name, features.blendshapes[i]])),
    };
  }

  async release(): Promise<void> {
    await this.vision.release();
  }
}

function boundingBox(points: Float32Array): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < points.length; i += 3) {
    x0 = Math.min(x0, points[i]);
    x1 = Math.max(x1, points[i]);
    y0 = Math.min(y0, points[i + 1]);
    y1 = Math.max(y1, points[i + 1]);
  }
  return [x0, y0, x1 - x0, y1 - y0];
}

function toVec3List(p: Float32Array): Vec3[] {
  const out: Vec3[] = new Array(p.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = [p[i * 3], p[i * 3 + 1], p[i * 3 + 2]];
  return out;
}

function toVec2List(p: Float32Array): Vec2[] {
  const out: Vec2[] = new Array(p.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = [p[i * 2], p[i * 2 + 1]];
  return out;
}

function copyGaze(g: EyeGaze): EyeGaze {
  return { vector: [g.vector[0], g.vector[1], g.vector[2]], yaw: g.yaw, pitch: g.pitch };
}

function noGaze(): TrackedFace['gaze'] {
  const none = (): EyeGaze => ({ vector: [0, 0, 1], yaw: 0, pitch: 0 });
  return { left: none(), right: none(), combined: none() };
}
