/**
 * LookDownLatch: lids lowered over a downward gaze are told from a blink by their order in time
 * (src/geometry/features/look-down.ts), frame by frame.
 */
import { describe, expect, it } from 'vitest';
import { LookDownLatch, LOWERED_BLINK } from '../src/geometry/features/look-down';

/** Feeds [lidRatio, eyeBlink, eyeLookDown] frames; returns the latch's [eyeBlink, eyeLookDown] per frame. */
function run(frames: [number, number, number][]): [number, number][] {
  const latch = new LookDownLatch();
  return frames.map(([ratio, blink, down]) => [...latch.update(ratio, blink, down, [0, 0])] as [number, number]);
}

const repeat = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x);

describe('LookDownLatch', () => {
  it('passes a blink with the gaze ahead through untouched, however deep', () => {
    const frames: [number, number, number][] = [...repeat(10, [1, 0, 0.05] as [number, number, number]), [0.5, 0.6, 0.1], [0.1, 1, 0.2], [0.05, 1, 0.25], [0.4, 0.8, 0.1], ...repeat(5, [1, 0, 0.05] as [number, number, number])];
    expect(run(frames).map((o) => o[0])).toEqual(frames.map((f) => f[1]));
  });

  it('reads lids that close after the eye looked down as lowered, keeping the look-down, until they open', () => {
    const frames: [number, number, number][] = [
      ...repeat(5, [1, 0, 0] as [number, number, number]),
      ...repeat(4, [0.85, 0.2, 0.6] as [number, number, number]), // looking down, lids open
      ...repeat(20, [0.05, 1, 0.1] as [number, number, number]), // lids meet; the covered iris reads little look-down
      ...repeat(3, [0.95, 0, 0.1] as [number, number, number]), // open again
    ];
    const out = run(frames);
    for (let t = 9; t < 29; t++) expect(out[t]).toEqual([LOWERED_BLINK, 0.6]);
    expect(out[30]).toEqual([0, 0.1]);
  });

  it('a closure that outlasts a blink with the gaze reading down is lowered lids too (from then on)', () => {
    const frames: [number, number, number][] = [...repeat(5, [1, 0, 0] as [number, number, number]), ...repeat(30, [0.05, 1, 0.5] as [number, number, number])];
    const out = run(frames);
    expect(out[10][0]).toBe(1); // within a blink's length: still a blink
    expect(out[34]).toEqual([LOWERED_BLINK, 0.5]);
  });
});
