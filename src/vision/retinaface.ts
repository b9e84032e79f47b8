/**
 * RetinaFace-MobileNet detector (biubug6/Pytorch_Retinaface conventions), behind the BlazeFace
 * detector's interface (`detect(image) -> Detection[]`, image pixels, best first).
 *
 * Pre: the frame is scaled by `inputScale` (top-left aligned) into an input whose sides are the
 * scaled frame rounded up to a multiple of 32 (models with symbolic H, W), or fitted into a fixed
 * input; BGR minus the mean (104, 117, 123), NCHW, padding = 0 (the mean colour). The native kernel
 * crops and scales into an NHWC scratch (scale 1, offset 0); one TypeScript pass transposes to NCHW
 * BGR and subtracts the means (timed on its own: transposeMs).
 * Post: priors from retinaface-priors.ts, decode + the shared weighted NMS in the addon.
 *
 * Modes: 'full' decodes all three levels; 'close-range' drops the finest level (step 8, anchors 16 and
 * 32 px). With a full model it only skips decoding those priors (the graph still computes them); a
 * model pruned by tools/retinaface/prune.ts (its N is the stride-16/32 prior count) does not compute
 * them at all. Face sizes each mode finds: bench/README.md "RetinaFace".
 */
import type * as ort from 'onnxruntime-node';
import { Tensor } from 'onnxruntime-node';
import { decodeRetinaFace } from '../native/kernels';
import type { Detection, DetectorOptions, Point2 } from './blazeface';
import type { FrameInput } from '../image/frame';
import { warpInput } from './native-warp';
import { looksLikeProbabilities } from './retinaface-decode';
import { loadRetinaFace, RETINAFACE_EXPECTED, type RetinaFaceModelInfo } from './retinaface-model';
import { MNET_LEVELS, MNET_VARIANCES, cachedPriors, priorCount } from './retinaface-priors';
import type { RotatedRoi } from './roi-types';
import { ModelLoadError } from './session';

export type RetinaFaceMode = 'full' | 'close-range';

export interface RetinaFaceOptions extends DetectorOptions {
  readonly mode?: RetinaFaceMode;
  /** Frame -> input scale for models with symbolic H, W (default: 1 full, 0.4 close-range). */
  readonly inputScale?: number;
  readonly threads?: number;
}

/** Input scale that keeps a face of 20-80 % of the frame height inside the stride-16/32 anchors. */
export const CLOSE_RANGE_SCALE = 0.4;
const ALIGN = 32;
/** biubug6 cfg: BGR means subtracted from the 0..255 input. */
const MEAN_BGR = [104, 117, 123] as const;
const PRUNED_LEVELS = MNET_LEVELS.slice(1);

export interface RetinaFaceTimings {
  preprocessMs: number;
  transposeMs: number;
  inferenceMs: number;
  decodeMs: number;
}

export class RetinaFaceDetector {
  readonly timings: RetinaFaceTimings = { preprocessMs: 0, transposeMs: 0, inferenceMs: 0, decodeMs: 0 };
  /** Whether the model's graph lacks the stride-8 level (known after the first run). */
  graphPruned: boolean | null = null;
  private readonly scoreThreshold: number;
  private readonly iouThreshold: number;
  private readonly maxDetections: number;
  private readonly decoded: Float32Array;
  private scoresAreLogits: boolean | null = null;
  private width = 0;
  private height = 0;
  private frameWidth = -1;
  private frameHeight = -1;
  private scale = 1;
  private nhwc = new Float32Array(0);
  private nchw = new Float32Array(0);
  private feeds: Record<string, ort.Tensor> = {};
  private readonly roi: RotatedRoi = { centerX: 0, centerY: 0, size: 1, angle: 0 };

  private constructor(
    readonly file: string,
    private readonly session: ort.InferenceSession,
    readonly info: RetinaFaceModelInfo,
    readonly mode: RetinaFaceMode,
    private readonly inputScale: number,
    options: DetectorOptions,
  ) {
    this.scoreThreshold = options.scoreThreshold ?? 0.5;
    this.iouThreshold = options.iouThreshold ?? 0.4;
    this.maxDetections = options.maxDetections ?? 10;
    this.decoded = new Float32Array(this.maxDetections * 15);
  }

  static async create(file: string, options: RetinaFaceOptions = {}): Promise<RetinaFaceDetector> {
    const { session, info } = await loadRetinaFace(file, options.threads ?? 1);
    const mode = options.mode ?? 'full';
    const scale = options.inputScale ?? (mode === 'close-range' ? CLOSE_RANGE_SCALE : 1);
    if (!(scale > 0 && scale <= 8)) throw new RangeError(`RetinaFace inputScale ${scale} is not in (0, 8]`);
    return new RetinaFaceDetector(file, session, info, mode, scale, options);
  }

  /** The input size used for frames of this size: [width, height]. */
  inputSizeFor(frameWidth: number, frameHeight: number): [number, number] {
    const { inputWidth, inputHeight } = this.info;
    if (inputWidth !== null && inputHeight !== null) return [inputWidth, inputHeight];
    const align = (v: number): number => Math.max(ALIGN, Math.ceil((v * this.inputScale) / ALIGN) * ALIGN);
    return [align(frameWidth), align(frameHeight)];
  }

  /** Milliseconds of the last input preparation (crop + NCHW transpose), as FaceVision reports it. */
  get preprocessMs(): number {
    return this.timings.preprocessMs + this.timings.transposeMs;
  }

  /** Faces in the frame (mirrored left-right with mirrorFrame), best first, in image pixels. */
  async detect(image: FrameInput, mirrorFrame = false): Promise<Detection[]> {
    if (image.width !== this.frameWidth || image.height !== this.frameHeight) this.resize(image.width, image.height);
    const t0 = performance.now();
    const side = Math.max(this.width, this.height);
    warpInput(image, this.roi, this.nhwc, 0, { outSize: side, scale: 1, offset: 0, border: 'zero' }, mirrorFrame);
    const t1 = performance.now();
    this.transpose(side, Math.min(this.width, Math.round(image.width * this.scale)), Math.min(this.height, Math.round(image.height * this.scale)));
    const t2 = performance.now();
    const names = [this.info.boxesName, this.info.scoresName, ...(this.info.landmarksName ? [this.info.landmarksName] : [])];
    const result = await this.session.run(this.feeds, names);
    const t3 = performance.now();
    const boxes = result[this.info.boxesName].data as Float32Array;
    const scores = result[this.info.scoresName].data as Float32Array;
    const landmarks = this.info.landmarksName ? (result[this.info.landmarksName].data as Float32Array) : null;
    const count = this.decode(boxes, scores, landmarks);
    const out: Detection[] = [];
    for (let d = 0; d < count; d++) out.push(this.toImage(d * (landmarks ? 15 : 5), landmarks !== null));
    const t4 = performance.now();
    this.timings.preprocessMs = t1 - t0;
    this.timings.transposeMs = t2 - t1;
    this.timings.inferenceMs = t3 - t2;
    this.timings.decodeMs = t4 - t3;
    return out;
  }

  /** Decode + NMS of one run's outputs (public for the benchmark's separate timing). */
  decode(boxes: Float32Array, scores: Float32Array, landmarks: Float32Array | null): number {
    const n = scores.length / 2;
    const full = priorCount(this.width, this.height, MNET_LEVELS);
    const pruned = priorCount(this.width, this.height, PRUNED_LEVELS);
    if (this.graphPruned === null) {
      if (n !== full && n !== pruned) {
        throw new ModelLoadError(
          `${this.file}: outputs hold ${n} priors for a ${this.width}x${this.height} input, expected ${full} ` +
            `(steps 8/16/32) or ${pruned} (pruned, steps 16/32); expected ${RETINAFACE_EXPECTED}`,
          this.file,
        );
      }
      this.graphPruned = n === pruned;
      this.scoresAreLogits = !looksLikeProbabilities(scores);
    }
    const priors = cachedPriors(this.width, this.height, this.graphPruned ? PRUNED_LEVELS : MNET_LEVELS);
    // Close range on a full graph: skip the stride-8 priors (they come first in every output).
    const skip = this.mode === 'close-range' && !this.graphPruned ? full - pruned : 0;
    return decodeRetinaFace(
      priors.subarray(skip * 4),
      boxes.subarray(skip * 4),
      scores.subarray(skip * 2),
      landmarks ? landmarks.subarray(skip * 10) : null,
      this.decoded,
      {
        variances: MNET_VARIANCES,
        scoresAreLogits: this.scoresAreLogits ?? true,
        scoreThreshold: this.scoreThreshold,
        iouThreshold: this.iouThreshold,
        maxDetections: this.maxDetections,
      },
    );
  }

  /** Buffers for a new frame size (not per frame: only when the camera's size changes). */
  private resize(frameWidth: number, frameHeight: number): void {
    const [w, h] = this.inputSizeFor(frameWidth, frameHeight);
    this.frameWidth = frameWidth;
    this.frameHeight = frameHeight;
    this.width = w;
    this.height = h;
    const fixedInput = this.info.inputWidth !== null;
    this.scale = fixedInput ? Math.min(w / frameWidth, h / frameHeight) : this.inputScale;
    const side = Math.max(w, h);
    // Output pixel u covers image x = u / scale: a square ROI of side/scale image pixels at the top left.
    this.roi.size = side / this.scale;
    this.roi.centerX = this.roi.size / 2;
    this.roi.centerY = this.roi.size / 2;
    this.nhwc = new Float32Array(side * side * 3);
    this.nchw = new Float32Array(3 * w * h);
    this.feeds = { [this.info.inputName]: new Tensor('float32', this.nchw, [1, 3, h, w]) };
    this.graphPruned = null;
  }

  /** NHWC RGB (side x side) -> NCHW BGR minus means (height x width); outside the image: 0. */
  private transpose(side: number, validW: number, validH: number): void {
    const { width: w, height: h, nhwc, nchw } = this;
    const plane = w * h;
    for (let y = 0; y < h; y++) {
      let src = y * side * 3;
      let dst = y * w;
      const inside = y < validH;
      for (let x = 0; x < w; x++, src += 3, dst++) {
        if (inside && x < validW) {
          nchw[dst] = nhwc[src + 2] - MEAN_BGR[0];
          nchw[dst + plane] = nhwc[src + 1] - MEAN_BGR[1];
          nchw[dst + 2 * plane] = nhwc[src] - MEAN_BGR[2];
        } else {
          nchw[dst] = 0;
          nchw[dst + plane] = 0;
          nchw[dst + 2 * plane] = 0;
        }
      }
    }
  }

  /**
   * A decoded row -> image pixels. The 5 RetinaFace landmarks (image-left eye, image-right eye, nose,
   * mouth corners) fill BlazeFace's 6 keypoint slots (subject's right eye = image-left eye; mouth =
   * corners' midpoint; ears = the box sides at eye height). Without a landmark head they are placed
   * on an upright face's proportions inside the box, so roiFromDetection gets angle 0.
   */
  private toImage(r: number, hasLandmarks: boolean): Detection {
    const row = this.decoded;
    const sx = this.width / this.scale;
    const sy = this.height / this.scale;
    const xMin = row[r + 1] * sx;
    const yMin = row[r + 2] * sy;
    const width = row[r + 3] * sx - xMin;
    const height = row[r + 4] * sy - yMin;
    const at = (u: number, v: number): Point2 => [xMin + u * width, yMin + v * height];
    let keypoints: Point2[];
    if (hasLandmarks) {
      const p = (k: number): Point2 => [row[r + 5 + 2 * k] * sx, row[r + 6 + 2 * k] * sy];
      const [re, le, nose, m0, m1] = [p(0), p(1), p(2), p(3), p(4)];
      const eyeY = (re[1] + le[1]) / 2;
      keypoints = [re, le, nose, [(m0[0] + m1[0]) / 2, (m0[1] + m1[1]) / 2], [xMin, eyeY], [xMin + width, eyeY]];
    } else {
      keypoints = [at(0.3, 0.4), at(0.7, 0.4), at(0.5, 0.6), at(0.5, 0.78), at(0, 0.45), at(1, 0.45)];
    }
    return { score: row[r], box: { xMin, yMin, width, height }, keypoints };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
