/**
 * One Euro filter (Casiez, Roussel, Vogel: "1€ Filter: A Simple Speed-based Low-pass Filter for Noisy
 * Input in Interactive Systems", CHI 2012).
 *
 * Each signal is an exponential low-pass whose cutoff rises with the signal's speed:
 *   dt      = time since the previous sample, seconds
 *   alpha(fc) = 1 / (1 + tau / dt),  tau = 1 / (2 pi fc)
 *   dx      = (x - xPrevFiltered) / dt,   dxHat = lowpass(dx, alpha(dCutoff))
 *   fc      = minCutoff + beta * |dxHat|
 *   xHat    = lowpass(x, alpha(fc))
 * So a still signal is smoothed hard (minCutoff, Hz) and a fast one follows with little lag (beta, in
 * 1/(signal unit): it depends on the signal's scale, so pixels, degrees and 0..1 features each need
 * their own beta).
 *
 * The first sample after construction or reset() passes through unchanged. A sample whose time is not
 * after the previous one (dt <= 0: a repeated timestamp) carries no timing information: the previous
 * output is returned and the state is left as it was.
 */

export interface OneEuroParams {
  /** Cutoff frequency for a still signal, Hz. Lower = smoother, more lag. */
  minCutoff: number;
  /** Speed coefficient, 1/(signal unit). Higher = less lag when the signal moves fast. */
  beta: number;
  /** Cutoff for the derivative estimate, Hz (the paper uses 1). */
  dCutoff: number;
}

export const DEFAULT_ONE_EURO: Readonly<OneEuroParams> = { minCutoff: 1, beta: 0, dCutoff: 1 };

/** Smoothing factor of an exponential low-pass with cutoff `cutoffHz` sampled every `dtSeconds`. */
export function smoothingFactor(cutoffHz: number, dtSeconds: number): number {
  const tau = 1 / (2 * Math.PI * cutoffHz);
  return 1 / (1 + tau / dtSeconds);
}

function checkParams(p: OneEuroParams): void {
  if (!(p.minCutoff > 0) || !(p.dCutoff > 0) || !(p.beta >= 0) || !Number.isFinite(p.beta)) {
    throw new RangeError(
      `One Euro parameters need minCutoff > 0, dCutoff > 0, beta >= 0 (got ${p.minCutoff}, ${p.dCutoff}, ${p.beta})`,
    );
  }
}

/**
 * Many One Euro filters sharing one clock: filters `size` signals at once (landmark coordinates, pose
 * angles, features). All state is preallocated; filter() allocates nothing.
 */
export class OneEuroBank {
  readonly size: number;
  private readonly minCutoff: Float64Array;
  private readonly beta: Float64Array;
  private readonly dCutoff: Float64Array;
  private readonly xHat: Float64Array;
  private readonly dxHat: Float64Array;
  private readonly output: Float32Array;
  private lastTimeMs = 0;
  private primed = false;

  constructor(size: number, params: Partial<OneEuroParams> = {}) {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`OneEuroBank size must be a positive integer, got ${size}`);
    this.size = size;
    this.minCutoff = new Float64Array(size);
    this.beta = new Float64Array(size);
    this.dCutoff = new Float64Array(size);
    this.xHat = new Float64Array(size);
    this.dxHat = new Float64Array(size);
    this.output = new Float32Array(size);
    this.setParams(0, size, params);
  }

  /** Sets the parameters of signals [start, start + count); fields left out keep their current value
   * (or the default on construction). Does not reset the filter state. */
  setParams(start: number, count: number, params: Partial<OneEuroParams>): void {
    if (start < 0 || count < 0 || start + count > this.size) {
      throw new RangeError(`setParams range [${start}, ${start + count}) is outside 0..${this.size}`);
    }
    for (let i = start; i < start + count; i++) {
      const p: OneEuroParams = {
        minCutoff: params.minCutoff ?? (this.minCutoff[i] || DEFAULT_ONE_EURO.minCutoff),
        beta: params.beta ?? this.beta[i],
        dCutoff: params.dCutoff ?? (this.dCutoff[i] || DEFAULT_ONE_EURO.dCutoff),
      };
      checkParams(p);
      this.minCutoff[i] = p.minCutoff;
      this.beta[i] = p.beta;
      this.dCutoff[i] = p.dCutoff;
    }
  }

  /** Forget the history (call on re-detection, when the signals jump for a new face). */
  reset(): void {
    this.primed = false;
  }

  /**
   * Filters one sample of every signal taken at `timeMs` (milliseconds, any monotonic clock).
   * Returns `out` when given, else the bank's own output array (overwritten by the next call).
   */
  filter(values: ArrayLike<number>, timeMs: number, out: Float32Array = this.output): Float32Array {
    const n = this.size;
    if (values.length < n) throw new RangeError(`filter needs ${n} values, got ${values.length}`);
    if (out.length < n) throw new RangeError(`output needs room for ${n} values, got ${out.length}`);
    if (!this.primed) {
      for (let i = 0; i < n; i++) {
        this.xHat[i] = values[i];
        this.dxHat[i] = 0;
      }
      this.primed = true;
      this.lastTimeMs = timeMs;
      return this.copyOut(out);
    }
    const dt = (timeMs - this.lastTimeMs) / 1000;
    if (!(dt > 0)) return this.copyOut(out);
    this.lastTimeMs = timeMs;
    const twoPiDt = 2 * Math.PI * dt;
    for (let i = 0; i < n; i++) {
      const x = values[i];
      const prev = this.xHat[i];
      // alpha = 1 / (1 + tau/dt) = 2 pi fc dt / (2 pi fc dt + 1), written to avoid a division by fc.
      const ad = (twoPiDt * this.dCutoff[i]) / (twoPiDt * this.dCutoff[i] + 1);
      const dx = (x - prev) / dt;
      const dxHat = this.dxHat[i] + ad * (dx - this.dxHat[i]);
      this.dxHat[i] = dxHat;
      const cutoff = this.minCutoff[i] + this.beta[i] * Math.abs(dxHat);
      const a = (twoPiDt * cutoff) / (twoPiDt * cutoff + 1);
      this.xHat[i] = prev + a * (x - prev);
    }
    return this.copyOut(out);
  }

  private copyOut(out: Float32Array): Float32Array {
    for (let i = 0; i < this.size; i++) out[i] = this.xHat[i];
    return out;
  }
}

/** One scalar signal; a convenience over a bank of one. */
export class OneEuroFilter {
  private readonly bank: OneEuroBank;
  private readonly input = new Float64Array(1);

  constructor(params: Partial<OneEuroParams> = {}) {
    this.bank = new OneEuroBank(1, params);
  }

  filter(value: number, timeMs: number): number {
    this.input[0] = value;
    return this.bank.filter(this.input, timeMs)[0];
  }

  reset(): void {
    this.bank.reset();
  }
}
