/**
 * Expression features: eye openness, mouth open/wide/vowels, brow raise and ARKit-named blend shapes
 * from the 468 FaceMesh points and the 10 iris points, measured in a head-aligned frame (so head
 * rotation and distance change them little) relative to a neutral calibration.
 *
 * Per frame: FaceFrame (axes + local coordinates) -> raw metrics (features/raw-metrics.ts) -> the
 * rest they are measured from (the explicit neutral of features/calibration.ts when captured, else
 * the one learnt by features/auto-calibration.ts) -> a dead zone of the learnt wobble and the user's
 * lid range (settle) -> mapping with the ranges of features/ranges.ts into blend shapes
 * (features/blendshapes.ts) -> lowered lids told from blinks (features/look-down.ts) -> sensitivity.
 * Everything is preallocated; compute() returns the same result object every call, overwritten.
 */

import type { BrowState, EyeState, MouthState } from '../tracking/types';
import type { Intrinsics } from './intrinsics';
import { BLENDSHAPE_COUNT, BLENDSHAPE_NAMES, BS, clamp01, computeBlendshapes, mouthShape } from './features/blendshapes';
import type { MouthShape } from './features/blendshapes';
import { AutoCalibration } from './features/auto-calibration';
import { LookDownLatch } from './features/look-down';
import { NeutralCalibration } from './features/calibration';
import { FaceFrame, MESH_POINTS } from './features/face-frame';
import { computeRawMetrics, RAW, RAW_METRIC_COUNT } from './features/raw-metrics';
import type { GazeVectors } from './features/raw-metrics';
import { DEFAULT_RANGES } from './features/ranges';
import type { FeatureRanges } from './features/ranges';
import { vowelWeights } from './features/vowels';

export { BLENDSHAPE_NAMES, BLENDSHAPE_COUNT, BS, CONSTANT_BLENDSHAPES, ESTIMATED_BLENDSHAPES, blendshapesToRecord } from './features/blendshapes';
export type { BlendshapeName } from './features/blendshapes';
export { AutoCalibration } from './features/auto-calibration';
export { NeutralCalibration, canonicalNeutralMetrics, irisFromEyelids } from './features/calibration';
export { FaceFrame, CANONICAL_IOD_MM } from './features/face-frame';
export { RAW, RAW_METRIC_COUNT, computeRawMetrics, eyeAspectRatio, lowerLidDepth, lipGap, mouthWidth, browHeight } from './features/raw-metrics';
export type { GazeVectors, RawMetricName } from './features/raw-metrics';
export { DEFAULT_RANGES } from './features/ranges';
export type { FeatureRanges } from './features/ranges';
export { vowelWeights } from './features/vowels';
export type { VowelWeights } from './features/vowels';

export interface FaceFeaturesOptions {
  /** Overrides of the default ranges (features/ranges.ts). */
  ranges?: Partial<FeatureRanges>;
  /** Camera intrinsics, to undo perspective (strongly advised: see features/face-frame.ts). */
  camera?: Intrinsics;
  /** Movement multipliers (default 1 each); see Sensitivity. */
  sensitivity?: Partial<Sensitivity>;
  /** Learn the resting face from the frames seen (features/auto-calibration.ts); default true. */
  autoCalibration?: boolean;
}

/**
 * Multipliers on how far each signal moves from its neutral value: v = neutral + (v - neutral) * k,
 * clamped to 0..1. Neutral: eye openness 1, mouth open 0, mouth wide 0.5, vowels 0, brows 0, blend
 * shapes 0. `eyes` scales openness and eyeBlink / eyeWide / eyeSquint (not the eyeLook gaze shapes),
 * `mouth` mouth open / wide / vowels and jaw* / mouth*, `brows` brows and brow*.
 */
export interface Sensitivity {
  eyes: number;
  mouth: number;
  brows: number;
}

/**
 * The dead zone around rest, in learnt noise units (see FaceFeatures.settle). 1 keeps every shape
 * moving on the three test videos; 1.5 and 2 quieted the rest further but stopped 3 and 7 subtle mouth
 * shapes (std < 0.02: bench/RESULTS.md "Blend shapes").
 */
const DEAD_ZONE_NOISE = 1;

/** Frames learnt before the eyes' closure range is (2 s at 30 fps: enough for a blink or two). */
const EYE_RANGE_FRAMES = 60;
/** The learnt closed level never above this share of the open eye (a user who has not blinked yet). */
const MAX_LEARNT_CLOSED_RATIO = 0.5;

/** Sensitivity groups of the blend shapes. */
const Group = { None: 0, Eyes: 1, Mouth: 2, Brows: 3 } as const;

/** Which sensitivity scales each blend shape, in BLENDSHAPE_NAMES order. */
const BLENDSHAPE_GROUP: Uint8Array = Uint8Array.from(BLENDSHAPE_NAMES, (name) =>
  /^eye(Blink|Wide|Squint)/.test(name) ? Group.Eyes : /^(jaw|mouth)/.test(name) ? Group.Mouth : name.startsWith('brow') ? Group.Brows : Group.None,
);

/** neutral + (value - neutral) * k, clamped to 0..1. */
const amplify = (value: number, neutral: number, k: number): number => clamp01(neutral + (value - neutral) * k);

export interface FeatureResult {
  /** False when the landmarks were degenerate this frame: the values are the previous frame's. */
  valid: boolean;
  eyes: EyeState;
  mouth: MouthState;
  brows: BrowState;
  /** Blend-shape values in BLENDSHAPE_NAMES order, 0..1. */
  blendshapes: Float32Array;
  /** Raw metrics, indexed by RAW (for debugging and calibration). */
  raw: Float64Array;
}

export class FaceFeatures {
  readonly ranges: FeatureRanges;
  /** The explicit neutral (the user's "calibrate" or a saved one): when captured, the rest values. */
  readonly neutral = new NeutralCalibration();
  /** The automatic one: the rest values until an explicit neutral is captured. */
  readonly auto = new AutoCalibration();
  private autoEnabled: boolean;
  /** Per eye: lids lowered over a downward gaze told from a blink (features/look-down.ts). */
  private readonly lookDownRight = new LookDownLatch();
  private readonly lookDownLeft = new LookDownLatch();
  private readonly eyeOut: [number, number] = [0, 0];
  /** This frame's raw metrics with the learnt noise taken off their distance from rest. */
  private readonly settled = new Float64Array(RAW_METRIC_COUNT);
  /** Movement multipliers, applied by every compute(); change them at any time. */
  readonly sensitivity: Sensitivity = { eyes: 1, mouth: 1, brows: 1 };
  private readonly frame = new FaceFrame();
  private readonly raw = new Float64Array(RAW_METRIC_COUNT);
  private readonly shape: MouthShape = { open: 0, wide: 0.5, spread: 0, round: 0 };
  private readonly result: FeatureResult;
  private camera: Intrinsics | undefined;

  constructor(options: FaceFeaturesOptions = {}) {
    this.ranges = { ...DEFAULT_RANGES, ...options.ranges };
    this.camera = options.camera ? { ...options.camera } : undefined;
    this.setSensitivity(options.sensitivity ?? {});
    this.autoEnabled = options.autoCalibration ?? true;
    this.result = {
      valid: false,
      eyes: { left: 1, right: 1 },
      mouth: { open: 0, wide: 0.5, vowels: { a: 0, i: 0, u: 0, e: 0, o: 0 } },
      brows: { left: 0, right: 0 },
      blendshapes: new Float32Array(BLENDSHAPE_COUNT),
      raw: this.raw,
    };
  }

  /**
   * @param landmarks 468 x 3: x, y in image pixels, z relative depth scaled like x.
   * @param iris 10 x 2 image pixels: right eye centre + 4 edge points, then the left eye's (subject's sides).
   * @param rotation optional head rotation, 3x3 row-major, head model -> camera (geometry/pose.ts);
   *   without it the head axes come from stable landmarks.
   * @param gaze optional gaze vectors per eye (camera frame, e.g. TrackedFace.gaze); when given the
   *   eyeLook* shapes come from them instead of the iris position in the eye.
   */
  compute(landmarks: ArrayLike<number>, iris: ArrayLike<number>, rotation?: ArrayLike<number>, gaze?: GazeVectors): FeatureResult {
    checkInputs(landmarks, iris);
    const res = this.result;
    if (!this.frame.update(landmarks, iris, rotation, this.camera)) {
      res.valid = false;
      return res;
    }
    computeRawMetrics(this.frame, gaze, this.raw);
    if (this.autoEnabled) this.auto.observe(this.raw);
    const n = this.restValues();
    const raw = this.settle(this.raw, n);
    const r = this.ranges;
    res.valid = true;
    const shape = mouthShape(raw, n, r, this.shape);
    res.mouth.open = shape.open;
    res.mouth.wide = shape.wide;
    vowelWeights(shape.open, shape.spread, shape.round, res.mouth.vowels);
    res.brows.left = clamp01((raw[RAW.browLeft] - n[RAW.browLeft]) / r.browRaise);
    res.brows.right = clamp01((raw[RAW.browRight] - n[RAW.browRight]) / r.browRaise);
    computeBlendshapes(raw, n, r, shape, gaze !== undefined, res.blendshapes);
    this.tellLookDown(this.lookDownRight, raw[RAW.eyeOpenRight] / n[RAW.eyeOpenRight], BS.eyeBlinkRight, BS.eyeLookDownRight, res);
    res.eyes.right = 1 - res.blendshapes[BS.eyeBlinkRight];
    this.tellLookDown(this.lookDownLeft, raw[RAW.eyeOpenLeft] / n[RAW.eyeOpenLeft], BS.eyeBlinkLeft, BS.eyeLookDownLeft, res);
    res.eyes.left = 1 - res.blendshapes[BS.eyeBlinkLeft];
    this.applySensitivity(res);
    return res;
  }

  private tellLookDown(latch: LookDownLatch, lidRatio: number, blink: number, lookDown: number, res: FeatureResult): void {
    const bs = res.blendshapes;
    latch.update(lidRatio, bs[blink], bs[lookDown], this.eyeOut);
    bs[blink] = this.eyeOut[0];
    bs[lookDown] = this.eyeOut[1];
  }

  /** The explicit neutral when captured, else the learnt one when ready, else the canonical face's. */
  private restValues(): Float64Array {
    return this.neutral.isCalibrated || !this.autoEnabled || !this.auto.ready ? this.neutral.values : this.auto.rest;
  }

  /**
   * Moves each metric towards its rest value by DEAD_ZONE_NOISE x its learnt wobble (nothing until
   * learnt): the small movements of a face at rest read 0 instead of flickering shapes, larger
   * ones keep their full travel beyond it.
   */
  private settle(raw: Float64Array, rest: Float64Array): Float64Array {
    if (!this.autoEnabled || !this.auto.ready) return raw;
    const noise = this.auto.noise;
    const out = this.settled;
    for (let i = 0; i < RAW_METRIC_COUNT; i++) {
      const d = raw[i] - rest[i];
      const dead = DEAD_ZONE_NOISE * noise[i];
      out[i] = rest[i] + (d > dead ? d - dead : d < -dead ? d + dead : 0);
    }
    if (this.auto.frames >= EYE_RANGE_FRAMES) {
      this.stretchEyeClosure(out, rest, RAW.eyeOpenRight);
      this.stretchEyeClosure(out, rest, RAW.eyeOpenLeft);
    }
    return out;
  }

  /**
   * This user's range of lid closure, stretched onto the default one: the mesh's lids rarely meet,
   * and how far they get varies with the face and the camera (a median closed frame read 0.57 of the
   * open eye on blink-zju), so the learnt low end of the eye's aspect ratio (its deepest blinks) is
   * mapped to ranges.eyeClosedRatio, i.e. to a fully closed eye, never beyond MAX_LEARNT_CLOSED_RATIO.
   */
  private stretchEyeClosure(out: Float64Array, rest: Float64Array, m: number): void {
    const closedDefault = this.ranges.eyeClosedRatio;
    const restEar = Math.max(1e-9, rest[m]);
    const closedUser = Math.min(MAX_LEARNT_CLOSED_RATIO, Math.max(closedDefault, this.auto.low[m] / restEar));
    const ratio = out[m] / restEar;
    if (closedUser <= closedDefault || ratio >= 1) return;
    out[m] = restEar * (1 - ((1 - ratio) * (1 - closedDefault)) / (1 - closedUser));
  }

  /** Turns learning the resting face on or off (off forgets what was learnt). */
  setAutoCalibration(enabled: boolean): void {
    if (!enabled) this.auto.reset();
    this.autoEnabled = enabled;
  }

  get autoCalibration(): boolean {
    return this.autoEnabled;
  }

  /** Sets the given multipliers (the others keep their values); each must be a finite number >= 0. */
  setSensitivity(s: Partial<Sensitivity>): void {
    for (const key of ['eyes', 'mouth', 'brows'] as const) {
      const k = s[key];
      if (k === undefined) continue;
      if (!Number.isFinite(k) || k < 0) throw new RangeError(`sensitivity.${key} must be a finite number >= 0, got ${k}`);
      this.sensitivity[key] = k;
    }
  }

  private applySensitivity(res: FeatureResult): void {
    const { eyes, mouth, brows } = this.sensitivity;
    if (eyes === 1 && mouth === 1 && brows === 1) return;
    res.eyes.left = amplify(res.eyes.left, 1, eyes);
    res.eyes.right = amplify(res.eyes.right, 1, eyes);
    res.mouth.open = amplify(res.mouth.open, 0, mouth);
    res.mouth.wide = amplify(res.mouth.wide, 0.5, mouth);
    const v = res.mouth.vowels;
    v.a = amplify(v.a, 0, mouth);
    v.i = amplify(v.i, 0, mouth);
    v.u = amplify(v.u, 0, mouth);
    v.e = amplify(v.e, 0, mouth);
    v.o = amplify(v.o, 0, mouth);
    res.brows.left = amplify(res.brows.left, 0, brows);
    res.brows.right = amplify(res.brows.right, 0, brows);
    const bs = res.blendshapes;
    for (let i = 0; i < bs.length; i++) {
      const group = BLENDSHAPE_GROUP[i];
      if (group !== Group.None) bs[i] = amplify(bs[i], 0, group === Group.Eyes ? eyes : group === Group.Mouth ? mouth : brows);
    }
  }

  /**
   * Takes this face as the user's neutral (relaxed, eyes open, mouth closed, looking ahead).
   * `blend` < 1 mixes it into the current neutral (1/k for the k-th frame averages k frames: see
   * NeutralCalibration.capture). Returns false (calibration unchanged) when the landmarks are degenerate.
   */
  calibrateNeutral(landmarks: ArrayLike<number>, iris: ArrayLike<number>, rotation?: ArrayLike<number>, gaze?: GazeVectors, blend = 1): boolean {
    checkInputs(landmarks, iris);
    if (!this.frame.update(landmarks, iris, rotation, this.camera)) return false;
    computeRawMetrics(this.frame, gaze, this.raw);
    this.neutral.capture(this.raw, blend);
    return true;
  }

  /** Sets (or, with undefined, clears) the camera intrinsics used to undo perspective. */
  setCamera(camera: Intrinsics | undefined): void {
    this.camera = camera ? { ...camera } : undefined;
  }

  /** Forgets the explicit neutral and what was learnt (back to the canonical face until relearnt). */
  resetCalibration(): void {
    this.neutral.reset();
    this.auto.reset();
    this.lookDownRight.reset();
    this.lookDownLeft.reset();
  }
}

function checkInputs(landmarks: ArrayLike<number>, iris: ArrayLike<number>): void {
  if (landmarks.length < MESH_POINTS * 3) throw new RangeError(`landmarks need ${MESH_POINTS * 3} values (468 x 3), got ${landmarks.length}`);
  if (iris.length < 20) throw new RangeError(`iris needs 20 values (10 x 2), got ${iris.length}`);
}
