/**
 * What `vtlink run` prints at a terminal (src/commands/run-progress.ts) and the --once summary's
 * totals (src/service/stats.ts RunTotals): live line in place on a TTY, plain lines on a pipe,
 * nothing under the journal, log lines never mixed into the live line.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { progressLine, progressMode, RunProgress, summaryLine } from '../src/commands/run-progress';
import { RunTotals } from '../src/service/stats';
import type { TrackerTimings } from '../src/tracking/tracker';
import { fullFaceFrame, tempDir, TestControl } from './server-helpers';

const timings = (totalMs: number, detected: boolean): TrackerTimings => ({ preprocessMs: 0, detectMs: 0, meshMs: 0, irisMs: 0, geometryMs: 0, filtersMs: 0, totalMs, detected });

describe('vtlink run progress', () => {
  it('mode: off under the journal, live on a TTY, lines otherwise', () => {
    expect(progressMode({ isTTY: true }, { JOURNAL_STREAM: '8:1' })).toBe('off');
    expect(progressMode({ isTTY: true }, {})).toBe('live');
    expect(progressMode({ isTTY: false }, {})).toBe('lines');
    expect(progressMode({}, {})).toBe('lines');
  });

  it('live: one line redrawn in place, cleared before a log line; lines: whole lines; off: nothing', async () => {
    const tmp = await tempDir('vtlink-progress-');
    try {
      const control = await TestControl.open(path.join(tmp.dir, 'state'));
      const frame = fullFaceFrame(3);
      const out: string[] = [];
      const live = new RunProgress(control, { mode: 'live', write: (t) => out.push(t), intervalMs: 20 });
      control.emit(frame);
      await new Promise((r) => setTimeout(r, 70));
      live.writeLog('vtlink: hello\n');
      live.stop();
      const expected = progressLine(control.status(), frame);
      expect(expected).toMatch(new RegExp(`yaw +${frame.face!.pose.yaw.toFixed(1).replace('.', '\\.')} `));
      expect(expected).toMatch(/frame +10 +30\.0 FPS +tracking +9\.1 ms/);
      expect(out[0]).toBe(`\r${expected}\x1b[K`);
      const log = out.indexOf('vtlink: hello\n');
      expect(log).toBeGreaterThan(0);
      expect(out[log - 1]).toBe('\r\x1b[K');
      expect(out.every((t) => t === 'vtlink: hello\n' || !t.includes('\n'))).toBe(true);
      expect(control.listenerCount).toBe(0);

      const plain: string[] = [];
      const lines = new RunProgress(control, { mode: 'lines', write: (t) => plain.push(t), intervalMs: 20 });
      await new Promise((r) => setTimeout(r, 50));
      lines.writeLog('x\n');
      lines.stop();
      expect(plain.length).toBeGreaterThanOrEqual(2);
      expect(plain.filter((t) => t !== 'x\n').every((t) => t.endsWith('\n') && !t.includes('\r'))).toBe(true);

      const quiet: string[] = [];
      const off = new RunProgress(control, { mode: 'off', write: (t) => quiet.push(t), intervalMs: 5 });
      expect(control.listenerCount).toBe(0);
      await new Promise((r) => setTimeout(r, 30));
      off.stop();
      expect(quiet).toEqual([]);
    } finally {
      await tmp.remove();
    }
  });

  it('summary: frames, face found %, detector runs and the median to 0.1 ms', () => {
    const totals = new RunTotals();
    expect(totals.summary()).toEqual({ frames: 0, faceFoundPct: 0, detectorRuns: 0, medianMs: 0 });
    const ms = [12.34, 8.01, 30.5, 9.96, 10.42, 2000, 11.1];
    ms.forEach((t, i) => totals.record(i !== 2, timings(t, i < 2)));
    const s = totals.summary();
    expect(s.frames).toBe(7);
    expect(s.faceFoundPct).toBeCloseTo((100 * 6) / 7, 10);
    expect(s.detectorRuns).toBe(2);
    const sorted = [...ms].sort((a, b) => a - b);
    expect(Math.abs(s.medianMs - sorted[3])).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(summaryLine(s)).toBe(`7 frames, face found in 85.7 %, detector ran on 2, median ${s.medianMs.toFixed(1)} ms a frame`);
  });
});
