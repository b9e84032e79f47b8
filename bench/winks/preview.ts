/**
 * PNGs for a person to check the wink composites: per chosen clip, the original frame in the middle
 * of a blink's closed frames beside both composites (left eye kept open, right eye kept open),
 * cropped to the eyes and enlarged 3x. Written to bench/out/winks/.
 *
 *   bash bench/run.sh bench/winks/preview.ts [clip name ...]   (default: one clip per view and half)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { RgbImage } from '../../src/image/frame';
import { repoRoot } from '../lib/paths';
import { decodeVideoFrames } from '../lib/video-frames';
import { loadZjuClips } from '../lib/zju-blinks';
import { makeWinkClip } from './composite';

const outDir = path.join(repoRoot(), 'bench', 'out', 'winks');
mkdirSync(outDir, { recursive: true });
const all = loadZjuClips();
const names = process.argv.slice(2);
const chosen = names.length > 0 ? all.filter((c) => names.includes(c.name)) : all.filter((_, k) => k % 5 === 0);

/** Crop box around both eyes of a frame's labels. */
function eyeBox(c: number[][], W: number, H: number): [number, number, number, number] {
  const xs = c.flatMap((q) => [q[0], q[2]]);
  const ys = c.flatMap((q) => [q[1], q[3]]);
  const w = Math.max(...xs) - Math.min(...xs);
  const x0 = Math.max(0, Math.round(Math.min(...xs) - 0.35 * w));
  const x1 = Math.min(W, Math.round(Math.max(...xs) + 0.35 * w));
  const y0 = Math.max(0, Math.round(Math.min(...ys) - 0.45 * w));
  const y1 = Math.min(H, Math.round(Math.max(...ys) + 0.3 * w));
  return [x0, y0, x1, y1];
}

const K = 3;
for (const clip of chosen) {
  const video = await decodeVideoFrames(clip.video);
  const left = makeWinkClip(clip, video.frames, 'left');
  const right = makeWinkClip(clip, video.frames, 'right');
  const ev = left.events.find((e) => e.closedFrames.length > 0) ?? left.events[0];
  if (!ev) continue;
  const i = ev.closedFrames.length > 0 ? ev.closedFrames[Math.floor(ev.closedFrames.length / 2)] : ev.blink.start;
  const label = clip.frames.find((f) => f.index === i)!;
  const [x0, y0, x1, y1] = eyeBox([label.leftCorners, label.rightCorners], video.width, video.height);
  const tiles: RgbImage[] = [video.frames[ev.source], video.frames[i], left.frames[i], right.frames[i]];
  const tw = (x1 - x0) * K;
  const th = (y1 - y0) * K;
  const png = new PNG({ width: tw * tiles.length + 4 * (tiles.length - 1), height: th });
  png.data.fill(255);
  tiles.forEach((img, t) => {
    for (let y = 0; y < th; y++)
      for (let x = 0; x < tw; x++) {
        const sx = x0 + Math.floor(x / K);
        const sy = y0 + Math.floor(y / K);
        const s = (sy * img.width + sx) * 3;
        const d = (y * png.width + t * (tw + 4) + x) * 4;
        png.data[d] = img.data[s];
        png.data[d + 1] = img.data[s + 1];
        png.data[d + 2] = img.data[s + 2];
        png.data[d + 3] = 255;
      }
  });
  const file = path.join(outDir, `${clip.name}-f${i}.png`);
  writeFileSync(file, PNG.sync.write(png));
  console.log(`${path.relative(repoRoot(), file)}: source ${ev.source} | original ${i} | left kept open | right kept open`);
}
