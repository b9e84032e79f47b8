/**
 * Re-open probe: opens the video file through the service's own path (openSourceSpec, as
 * src/service/camera.ts does for a file), reads `--frames` frames, closes it, `--cycles` times,
 * and samples RSS and process.memoryUsage() after a forced GC each cycle. Separates allocator growth
 * (glibc malloc arenas for GStreamer's new streaming threads: run once with MALLOC_ARENA_MAX=2 in
 * the environment) from a leak per pipeline (grows either way). `--loop` reads the same number of
 * frames over the file's end through one looping stream instead (no re-open) for comparison.
 *
 *   node --expose-gc build/bench/reopen-rss.mjs   (bundle: bash bench/run.sh bench/reopen-rss.ts)
 *   MALLOC_ARENA_MAX=2 node --expose-gc ...
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openSourceSpec } from '../src/capture/open';
import type { FrameSource } from '../src/capture/source';

const { values } = parseArgs({
  options: { cycles: { type: 'string', default: '50' }, frames: { type: 'string', default: '20' }, video: { type: 'string' }, loop: { type: 'boolean', default: false } },
});
const loop = values.loop;
const cycles = Number(values.cycles);
const frames = Number(values.frames);
const video = path.resolve(values.video ?? path.join(process.cwd(), '../shared/data/video/franck.mp4'));
if (!existsSync(video)) throw new Error(`reopen-rss: ${video} is missing`);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('reopen-rss: run node with --expose-gc');

const mb = (bytes: number): number => bytes / (1 << 20);

async function readOnce(): Promise<number> {
  const source = await openSourceSpec(video);
  return readFrom(source);
}

async function readFrom(source: FrameSource): Promise<number> {
  let n = 0;
  for await (const r of source.frames()) {
    if (r.kind === 'frame') n++;
    if (n >= frames) break;
  }
  await source.close();
  return n;
}

function sample(): { rss: number; heap: number; external: number } {
  gc?.();
  const m = process.memoryUsage();
  return { rss: mb(m.rss), heap: mb(m.heapUsed), external: mb(m.external + m.arrayBuffers) };
}

const rows: { cycle: number; rss: number; heap: number; external: number }[] = [];
// --loop: one source looping in its pipeline; each cycle takes the next `frames` frames from it.
const looping = loop ? await openSourceSpec(video, { loopVideo: true }) : null;
const iterator = looping?.frames()[Symbol.asyncIterator]();
async function readLooping(): Promise<void> {
  for (let n = 0; n < frames; ) {
    const r = await iterator!.next();
    if (r.done) throw new Error('reopen-rss: the looping source ended');
    if (r.value.kind === 'frame') n++;
  }
}
for (let c = 0; c < cycles; c++) {
  if (looping) await readLooping();
  else await readOnce();
  await new Promise((r) => setTimeout(r, 20));
  rows.push({ cycle: c + 1, ...sample() });
  // SMAPS_DIR=dir: keep /proc/self/smaps after each cycle (which mappings grow: anon heap vs libraries).
  if (process.env.SMAPS_DIR) writeFileSync(path.join(process.env.SMAPS_DIR, `smaps-${c + 1}`), readFileSync('/proc/self/smaps'));
  process.stderr.write(`cycle ${c + 1}: rss ${rows.at(-1)!.rss.toFixed(1)} MB heap ${rows.at(-1)!.heap.toFixed(1)} ext ${rows.at(-1)!.external.toFixed(1)}\n`);
}
const from = rows[Math.min(4, rows.length - 1)];
const to = rows[rows.length - 1];
const perCycleKb = ((to.rss - from.rss) * 1024) / Math.max(1, to.cycle - from.cycle);
if (looping) {
  process.stdout.write(`looping source: ${JSON.stringify((looping as { info?: () => unknown }).info?.())}\n`);
  await looping.close();
}
process.stdout.write(
  `${loop ? 'one looping source' : 're-open each cycle'}, MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '(unset)'} cycles ${cycles} x ${frames} frames: rss first ${rows[0].rss.toFixed(1)} MB, ` +
    `cycle ${from.cycle} ${from.rss.toFixed(1)} MB, last ${to.rss.toFixed(1)} MB, max ${Math.max(...rows.map((r) => r.rss)).toFixed(1)} MB; ` +
    `${perCycleKb.toFixed(0)} KB/cycle after cycle ${from.cycle}; heap ${to.heap.toFixed(1)} MB, external ${to.external.toFixed(1)} MB\n`,
);
