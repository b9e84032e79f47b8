import { describe, expect, it } from 'vitest';
import { OneEuroBank, OneEuroFilter } from '../src/filters';
import { seededRandom, gaussian } from './helpers/random';

/**
 * Reference: the paper's equations (Casiez et al. 2012, section "1€ filter" and its pseudocode),
 * written plainly and independently of the bank, one scalar at a time.
 */
function referenceOneEuro(samples: number[], timesMs: number[], minCutoff: number, beta: number, dCutoff: number): number[] {
  const alpha = (cutoff: number, te: number): number => {
    const tau = 1.0 / (2 * Math.PI * cutoff);
    return 1.0 / (1.0 + tau / te);
  };
  const out: number[] = [];
  let xPrev = 0;
  let dxPrev = 0;
  let tPrev = 0;
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i];
    if (i === 0) {
      xPrev = x;
      dxPrev = 0;
      tPrev = timesMs[i];
      out.push(x);
      continue;
    }
    const te = (timesMs[i] - tPrev) / 1000;
    tPrev = timesMs[i];
    const dx = (x - xPrev) / te;
    const aD = alpha(dCutoff, te);
    const edx = aD * dx + (1 - aD) * dxPrev;
    const cutoff = minCutoff + beta * Math.abs(edx);
    const a = alpha(cutoff, te);
    const xHat = a * x + (1 - a) * xPrev;
    xPrev = xHat;
    dxPrev = edx;
    out.push(xHat);
  }
  return out;
}



describe('OneEuroBank', () => {
  it('matches a plain implementation of the paper, per signal, with irregular frame times', () => {
    const rand = seededRandom(7);
    const n = 400;
    const times: number[] = [];
    let t = 1000;
    for (let i = 0; i < n; i++) {
      times.push(t);
      t += 25 + 20 * rand(); // 25..45 ms, jittery camera
    }
    const params = [
      { minCutoff: 1, beta: 0, dCutoff: 1 },
      { minCutoff: 0.5, beta: 0.05, dCutoff: 1 },
      { minCutoff: 2, beta: 0.7, dCutoff: 2.5 },
    ];
    const signals = params.map((_, k) => times.map((ti, i) => 50 * Math.sin(ti / (300 + 200 * k)) + 3 * gaussian(rand) + (i > 200 ? 40 : 0)));
    const bank = new OneEuroBank(3);
    params.forEach((p, k) => bank.setParams(k, 1, p));
    const frame = new Float32Array(3);
    const got: number[][] = [[], [], []];
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 3; k++) frame[k] = signals[k][i];
      const out = bank.filter(frame, times[i]);
      for (let k = 0; k < 3; k++) got[k].push(out[k]);
    }
    params.forEach((p, k) => {
      // Inputs go through Float32 in the bank, so feed the reference the same rounded values.
      const ref = referenceOneEuro(signals[k].map(Math.fround), times, p.minCutoff, p.beta, p.dCutoff);
      let maxErr = 0;
      for (let i = 0; i < n; i++) maxErr = Math.max(maxErr, Math.abs(got[k][i] - ref[i]));
      expect(maxErr).toBeLessThan(1e-4);
    });
  });

  it('passes a constant signal through unchanged', () => {
    const bank = new OneEuroBank(4, { minCutoff: 0.3, beta: 2 });
    const v = new Float32Array([1.5, -2, 0, 1234.25]);
    for (let i = 0; i < 100; i++) {
      const out = bank.filter(v, i * 33.3);
      expect(Array.from(out)).toEqual(Array.from(v));
    }
  });

  it('reduces noise on a still signal', () => {
    const rand = seededRandom(11);
    const bank = new OneEuroBank(1, { minCutoff: 1, beta: 0.01 });
    const v = new Float32Array(1);
    let rawSq = 0;
    let outSq = 0;
    const n = 600;
    for (let i = 0; i < n; i++) {
      v[0] = 100 + 2 * gaussian(rand);
      const out = bank.filter(v, i * 33)[0];
      if (i >= 30) {
        rawSq += (v[0] - 100) ** 2;
        outSq += (out - 100) ** 2;
      }
    }
    const rawRms = Math.sqrt(rawSq / (n - 30));
    const outRms = Math.sqrt(outSq / (n - 30));
    // An exponential low-pass at 1 Hz, 30 Hz sampling (alpha ~0.16) keeps ~sqrt(alpha/(2-alpha)) ~ 0.3 of white noise.
    expect(outRms).toBeLessThan(0.4 * rawRms);
  });

  it('lags little on a fast ramp when beta > 0, and much more with beta = 0', () => {
    const lagAtEnd = (beta: number): number => {
      const bank = new OneEuroBank(1, { minCutoff: 0.5, beta, dCutoff: 1 });
      const v = new Float32Array(1);
      let lag = 0;
      for (let i = 0; i <= 60; i++) {
        const tMs = i * 1000 / 60;
        v[0] = 300 * (tMs / 1000); // 300 units per second
        lag = v[0] - bank.filter(v, tMs)[0];
      }
      return lag;
    };
    const slow = lagAtEnd(0);
    const fast = lagAtEnd(0.5);
    // With beta 0 a 0.5 Hz low-pass lags a 300/s ramp by about 300 * tau = 95 units at steady state.
    expect(slow).toBeGreaterThan(60);
    // With beta 0.5 the cutoff rises to ~150 Hz: lag about 300 / (2 pi 150) ~ 0.3 units.
    expect(fast).toBeLessThan(2);
    expect(fast).toBeGreaterThanOrEqual(0);
  });

  it('reset() forgets the history: the next sample passes through', () => {
    const bank = new OneEuroBank(2, { minCutoff: 0.2, beta: 0 });
    bank.filter(new Float32Array([0, 0]), 0);
    const mid = bank.filter(new Float32Array([10, -10]), 33);
    expect(Math.abs(mid[0])).toBeLessThan(1);
    bank.reset();
    const after = bank.filter(new Float32Array([10, -10]), 66);
    expect(Array.from(after)).toEqual([10, -10]);
    // and it filters again from there
    const next = bank.filter(new Float32Array([20, -20]), 99);
    expect(next[0]).toBeGreaterThan(10);
    expect(next[0]).toBeLessThan(12);
  });

  it('returns the previous output on a repeated timestamp and writes into a caller array', () => {
    const bank = new OneEuroBank(1, { minCutoff: 1, beta: 0 });
    bank.filter([0], 0);
    const a = bank.filter([10], 33)[0];
    const b = bank.filter([50], 33)[0];
    expect(b).toBe(a);
    const out = new Float32Array(1);
    const r = bank.filter([10], 66, out);
    expect(r).toBe(out);
    expect(out[0]).toBeGreaterThan(a);
  });

  it('rejects bad parameters and sizes', () => {
    expect(() => new OneEuroBank(0)).toThrow(RangeError);
    expect(() => new OneEuroBank(2, { minCutoff: 0 })).toThrow(RangeError);
    expect(() => new OneEuroBank(2, { beta: -1 })).toThrow(RangeError);
    const bank = new OneEuroBank(3);
    expect(() => bank.setParams(2, 2, { beta: 1 })).toThrow(RangeError);
    expect(() => bank.filter([1, 2], 0)).toThrow(RangeError);
  });

  it('OneEuroFilter (scalar) agrees with the reference', () => {
    const f = new OneEuroFilter({ minCutoff: 1.2, beta: 0.1, dCutoff: 1 });
    const xs = [0, 1, 4, 9, 3, 3, 3, 8, -2, 0];
    const ts = xs.map((_, i) => i * 40);
    const ref = referenceOneEuro(xs, ts, 1.2, 0.1, 1);
    xs.forEach((x, i) => expect(f.filter(x, ts[i])).toBeCloseTo(ref[i], 4));
  });
});
