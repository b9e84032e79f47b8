/**
 * A contact sheet for labelling by eye: crops the same box out of PNGs and lays them out in rows.
 *
 *   bash bench/run.sh bench/winks/sheet.ts OUT.png x y w h COLUMNS SCALE IN1.png IN2.png ...
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';

const [out, xs, ys, ws, hs, cols, scales, ...inputs] = process.argv.slice(2);
const [x0, y0, w, h, columns, k] = [xs, ys, ws, hs, cols, scales].map(Number);
const rows = Math.ceil(inputs.length / columns);
const gap = 3;
const sheet = new PNG({ width: columns * (w * k + gap), height: rows * (h * k + gap) });
sheet.data.fill(255);
inputs.forEach((file, n) => {
  const img = PNG.sync.read(readFileSync(file));
  const ox = (n % columns) * (w * k + gap);
  const oy = Math.floor(n / columns) * (h * k + gap);
  for (let y = 0; y < h * k; y++)
    for (let x = 0; x < w * k; x++) {
      const sx = Math.min(img.width - 1, x0 + Math.floor(x / k));
      const sy = Math.min(img.height - 1, y0 + Math.floor(y / k));
      const s = (sy * img.width + sx) * 4;
      const d = ((oy + y) * sheet.width + ox + x) * 4;
      for (let c = 0; c < 4; c++) sheet.data[d + c] = img.data[s + c];
    }
});
writeFileSync(out, PNG.sync.write(sheet));
