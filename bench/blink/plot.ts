/**
 * One PNG per clip for a person to look at: the two eyes' blink signals against the labels.
 * Light red bands: labelled blinks; dark red ticks along the top: frames labelled fully closed;
 * blue: eyeBlinkLeft, green: eyeBlinkRight, grey line: the threshold; black bars along the bottom:
 * detected blinks; grey bars along the bottom: frames without a face.
 */
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import type { ZjuClip } from '../lib/zju-blinks';
import type { EyeSignals, Range } from './score';

const W = 900;
const H = 220;
const PAD = 12;

type Rgb = [number, number, number];

export function plotClip(file: string, clip: ZjuClip, eyes: EyeSignals, detected: readonly Range[], threshold: number): void {
  const png = new PNG({ width: W, height: H });
  png.data.fill(255);
  const n = Math.max(eyes.length, 1);
  const x = (t: number): number => Math.round(PAD + ((W - 2 * PAD) * t) / n);
  const y = (v: number): number => Math.round(H - PAD - (H - 2 * PAD) * Math.max(0, Math.min(1, v)));
  const rect = (x0: number, y0: number, x1: number, y1: number, c: Rgb): void => {
    for (let py = Math.max(0, y0); py < Math.min(H, y1); py++)
      for (let px = Math.max(0, x0); px < Math.min(W, x1); px++) {
        const i = (py * W + px) * 4;
        png.data[i] = c[0];
        png.data[i + 1] = c[1];
        png.data[i + 2] = c[2];
      }
  };
  const line = (x0: number, y0: number, x1: number, y1: number, c: Rgb): void => {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let s = 0; s <= steps; s++) rect(Math.round(x0 + ((x1 - x0) * s) / steps), Math.round(y0 + ((y1 - y0) * s) / steps), Math.round(x0 + ((x1 - x0) * s) / steps) + 2, Math.round(y0 + ((y1 - y0) * s) / steps) + 2, c);
  };
  for (const b of clip.blinks) rect(x(b.start), PAD, x(b.end + 1), H - PAD, [255, 215, 215]);
  for (const f of clip.frames) if (f.leftClosed || f.rightClosed) rect(x(f.index), 0, x(f.index + 1), PAD - 4, [180, 0, 0]);
  line(x(0), y(threshold), x(n), y(threshold), [170, 170, 170]);
  line(x(0), y(0), x(n), y(0), [0, 0, 0]);
  for (let t = 1; t < eyes.length; t++) {
    const a = eyes[t - 1];
    const b = eyes[t];
    if (!a || !b) continue;
    line(x(t - 1), y(a[0]), x(t), y(b[0]), [30, 90, 220]);
    line(x(t - 1), y(a[1]), x(t), y(b[1]), [20, 160, 60]);
  }
  for (let t = 0; t < eyes.length; t++) if (!eyes[t]) rect(x(t), H - PAD + 6, x(t + 1), H, [150, 150, 150]);
  for (const d of detected) rect(x(d.start), H - PAD + 2, x(d.end + 1), H - PAD + 6, [0, 0, 0]);
  writeFileSync(file, PNG.sync.write(png));
}
