/**
 * Neutral calibration: the raw metrics of the user's relaxed face (eyes open, mouth closed, brows at
 * rest, looking ahead). Features are measured relative to it, so "neutral open eyes" reads openness 1
 * whatever the user's eye shape.
 *
 * Until calibrated, the neutral is the MediaPipe canonical face model (geometry/face-model.ts) seen
 * straight on, with each iris centre put at the centroid of its eyelid points (the model has no iris).
 * Note the canonical mouth is slightly open (inner lips ~0.06 IOD apart), so an uncalibrated closed
 * mouth reads open = 0 and a slightly parted one also reads near 0.
 */

import { HEAD_MODEL_MM } from '../face-model';
import { FaceFrame } from './face-frame';
import { LEFT_EYE, RIGHT_EYE } from './mesh-indices';
import type { EyeIndices } from './mesh-indices';
import { computeRawMetrics, RAW_METRIC_COUNT } from './raw-metrics';

/** 10 x 2 iris points for a 468 x 3 face: centres at the eyelid centroids, edges at the centres. */
export function irisFromEyelids(landmarks: ArrayLike<number>, out: Float64Array = new Float64Array(20)): Float64Array {
  const put = (eye: EyeIndices, first: number): void => {
    let x = 0;
    let y = 0;
    const pts = [...eye.upper, ...eye.lower];
    for (const i of pts) {
      x += landmarks[i * 3];
      y += landmarks[i * 3 + 1];
    }
    for (let k = 0; k < 5; k++) {
      out[(first + k) * 2] = x / pts.length;
      out[(first + k) * 2 + 1] = y / pts.length;
    }
  };
  put(RIGHT_EYE, 0);
  put(LEFT_EYE, 5);
  return out;
}

let canonicalNeutral: Float64Array | null = null;

/** Raw metrics of the canonical face model (computed once). */
export function canonicalNeutralMetrics(): Float64Array {
  if (!canonicalNeutral) {
    const frame = new FaceFrame();
    if (!frame.update(HEAD_MODEL_MM, irisFromEyelids(HEAD_MODEL_MM))) throw new Error('canonical face model is degenerate');
    canonicalNeutral = computeRawMetrics(frame, undefined, new Float64Array(RAW_METRIC_COUNT));
  }
  return canonicalNeutral;
}

export class NeutralCalibration {
  /** Neutral raw metrics, indexed by RAW. */
  readonly values = new Float64Array(RAW_METRIC_COUNT);
  private captured = false;

  constructor() {
    this.reset();
  }

  /** True once capture() has been called since construction or reset(). */
  get isCalibrated(): boolean {
    return this.captured;
  }

  /**
   * Takes `raw` (RAW_METRIC_COUNT values) as the user's neutral face. `blend` < 1 mixes it into the
   * current neutral instead (values += blend * (raw - values)): calling with blend = 1/k for the k-th
   * of several frames (k = 1, 2, ...) gives their mean, steadier than one frame. The first capture
   * after construction or reset() always replaces.
   */
  capture(raw: ArrayLike<number>, blend = 1): void {
    if (!(blend > 0 && blend <= 1)) throw new RangeError(`blend must be in (0, 1], got ${blend}`);
    if (raw.length < RAW_METRIC_COUNT) throw new RangeError(`need ${RAW_METRIC_COUNT} raw metrics, got ${raw.length}`);
    for (let i = 0; i < RAW_METRIC_COUNT; i++) {
      if (!Number.isFinite(raw[i])) throw new RangeError(`raw metric ${i} is not finite`);
    }
    const w = this.captured ? blend : 1;
    for (let i = 0; i < RAW_METRIC_COUNT; i++) this.values[i] += w * (raw[i] - this.values[i]);
    this.captured = true;
  }

  /** Back to the canonical face's neutral. */
  reset(): void {
    this.values.set(canonicalNeutralMetrics());
    this.captured = false;
  }
}
