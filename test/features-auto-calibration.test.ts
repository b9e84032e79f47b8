/**
 * AutoCalibration's running statistics against a sorted reference: the rest value is the stated
 * percentile of the last WINDOW_FRAMES frames of each metric, older frames are forgotten.
 */
import { describe, expect, it } from 'vitest';
import { AutoCalibration, RAW, RAW_METRIC_COUNT } from '../src/geometry/features';
import { MIN_FRAMES, WINDOW_FRAMES } from '../src/geometry/features/auto-calibration';

/** The k-th smallest by sorting (the reference). */
const nth = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.round(p * (xs.length - 1))];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

describe('AutoCalibration', () => {
  it('rests each metric at its percentile of the window (the median; the 20th for the mouth) and tracks the low end', () => {
    const a = new AutoCalibration();
    const random = rng(7);
    const history: number[][] = [];
    expect(a.ready).toBe(false);
    for (let t = 0; t < 700; t++) {
      const raw = Array.from({ length: RAW_METRIC_COUNT }, (_, m) => m + random() * (1 + m / 10));
      history.push(raw);
      a.observe(raw);
      if (t + 1 === MIN_FRAMES) expect(a.ready).toBe(true);
    }
    // 700 frames: past the eager phase, refreshed every 15 frames; the last refresh saw frames 0..689.
    const seen = history.slice(0, 690);
    for (const m of [RAW.eyeOpenLeft, RAW.browRight, RAW.lipGap, RAW.jawDrop, RAW_METRIC_COUNT - 1]) {
      const column = seen.map((r) => r[m]);
      const p = m === RAW.lipGap || m === RAW.jawDrop ? 0.2 : 0.5;
      expect(a.rest[m], `metric ${m}`).toBe(nth(column, p));
      expect(a.low[m], `metric ${m}`).toBe(nth(column, 0.02));
    }
  });

  it('forgets frames older than the window, skips frames with a non-finite metric, and starts over on reset', () => {
    const a = new AutoCalibration();
    const frame = (v: number): number[] => new Array<number>(RAW_METRIC_COUNT).fill(v);
    for (let t = 0; t < WINDOW_FRAMES; t++) a.observe(frame(1));
    for (let t = 0; t < WINDOW_FRAMES; t++) a.observe(frame(2));
    expect(a.rest[RAW.eyeOpenRight]).toBe(2);
    const bad = frame(5);
    bad[RAW.browLeft] = Number.NaN;
    const before = a.frames;
    a.observe(bad);
    expect(a.frames).toBe(before);
    a.reset();
    expect(a.ready).toBe(false);
    a.observe(frame(3));
    expect(a.rest[RAW.eyeOpenRight]).toBe(3);
  });
});
